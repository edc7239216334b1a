"""The bounded life of a payment: approval time, Needs attention with its reason, the re-query backoff, refunds
of money that pays nothing, and the lease that keeps re-query runs from overlapping."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0003_fpx_message_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='JobLease',
            fields=[
                ('name', models.CharField(max_length=60, primary_key=True, serialize=False)),
                ('holder', models.CharField(blank=True, max_length=64)),
                ('held_until', models.DateTimeField()),
            ],
        ),
        migrations.CreateModel(
            name='Refund',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=9)),
                ('reason', models.CharField(choices=[('ALREADY_PAID', 'This contribution was already paid by another payment.'), ('NOT_PAYABLE', 'This contribution was rejected or cancelled before the payment was approved.')], max_length=16)),
                ('state', models.CharField(choices=[('DUE', 'Due'), ('APPROVED', 'Approved'), ('PAID', 'Paid')], default='DUE', max_length=8)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('approved_at', models.DateTimeField(blank=True, null=True)),
                ('paid_at', models.DateTimeField(blank=True, null=True)),
                ('bank_reference', models.CharField(blank=True, max_length=60)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.AddField(
            model_name='payment',
            name='attention_reason',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='payment',
            name='enquiry_count',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='payment',
            name='next_enquiry_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='payment',
            name='paid_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='payment',
            name='status',
            field=models.CharField(choices=[('PENDING', 'Pending'), ('PAID', 'Paid'), ('FAILED', 'Failed'), ('NEEDS_ATTENTION', 'Needs attention')], default='PENDING', max_length=16),
        ),
        migrations.AddIndex(
            model_name='payment',
            index=models.Index(fields=['status', 'next_enquiry_at'], name='payment_status_enquiry_idx'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'NEEDS_ATTENTION'), _negated=True), models.Q(('attention_reason', ''), _negated=True), _connector='OR'), name='payment_attention_has_reason'),
        ),
        migrations.AddField(
            model_name='refund',
            name='approved_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='refund',
            name='payment',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='refund', to='payments.payment'),
        ),
        migrations.AddIndex(
            model_name='refund',
            index=models.Index(fields=['state', 'created_at'], name='refund_state_created_idx'),
        ),
        migrations.AddConstraint(
            model_name='refund',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='refund_amount_positive'),
        ),
        migrations.AddConstraint(
            model_name='refund',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['DUE', 'APPROVED', 'PAID'])), name='refund_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='refund',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'APPROVED'), _negated=True), ('approved_at__isnull', False), _connector='OR'), name='refund_approved_has_approved_at'),
        ),
        migrations.AddConstraint(
            model_name='refund',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'PAID'), _negated=True), models.Q(('approved_at__isnull', False), ('paid_at__isnull', False), models.Q(('bank_reference', ''), _negated=True)), _connector='OR'), name='refund_paid_has_paid_at_and_reference'),
        ),
    ]
