"""The back office for PERKESO staff under /staff/ ("SOCSO CMS Sign-in").

Adding a page (the other back-office areas follow this):
1. a view in views/<area>.py wrapped by `@staff_required(Role.X)` (matrix.backoffice.permissions), re-exported from
   views/__init__.py; it calls a service (services/<area>.py, one transaction, `audit_record(...)` inside it) or a
   selector, and renders a template that `{% extends "backoffice/base.html" %}`;
2. a `path(...)` appended to urls.py (namespace 'backoffice');
3. a menu line in nav.py (`NavItem("url_name", _("Label"), Role.X)`);
4. nothing for permissions: tests/backoffice/test_permissions.py walks every pattern of the namespace.
"""
