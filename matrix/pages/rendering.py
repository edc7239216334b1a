"""Content page text → HTML, escaping everything staff typed. The layout language, one block per group of lines
separated by a blank line:

    ## Heading            a line starting with "## " is a heading
    1. first step         lines all starting with "<number>. " make a numbered list
    - a point             lines all starting with "- " make a bulleted list
    Any other text        a paragraph (single line breaks kept)
"""

import re

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

NUMBERED = re.compile(r"^\d+\.\s+")


def _block(lines: list[str]) -> SafeString:
    if all(NUMBERED.match(line) for line in lines):
        items = format_html_join("", "<li>{}</li>", ((NUMBERED.sub("", line),) for line in lines))
        return format_html('<ol class="list-decimal space-y-2 pl-6">{}</ol>', items)
    if all(line.startswith("- ") for line in lines):
        items = format_html_join("", "<li>{}</li>", ((line[2:],) for line in lines))
        return format_html('<ul class="list-disc space-y-2 pl-6">{}</ul>', items)
    return format_html("<p>{}</p>", mark_safe("<br>".join(escape(line) for line in lines)))  # noqa: S308


def content_render(text: str) -> SafeString:
    parts, block = [], []

    def flush():
        if block:
            parts.append(_block(block))
            block.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            parts.append(format_html('<h2 class="mt-6">{}</h2>', line[3:]))
        else:
            block.append(line)
    flush()
    return mark_safe("\n".join(parts))  # noqa: S308 (each part built by format_html)
