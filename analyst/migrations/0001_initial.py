"""The analyst's models, moved from offerings (offerings 0016) with their tables: the state
learns of them here, the database already has them (offerings 0003, 0013, 0015)."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('offerings', '0016_watch_models_to_analyst'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AnalystPreferences',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('unlock_threshold_percent', models.DecimalField(decimal_places=3, default=Decimal('1'), max_digits=7, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('10000'))], verbose_name='unlock alert threshold (% of circulating supply)')),
                        ('feed_token', models.CharField(blank=True, max_length=64, null=True, unique=True)),
                        ('home_seen_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='preferences', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'analyst preferences',
                        'db_table': 'offerings_analystpreferences',
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('risk_changed', 'Risk level changed'), ('new_flag', 'New red flag'), ('contract', 'Contract changed'), ('unlock_soon', 'Token unlock coming')], max_length=12)),
                        ('message', models.CharField(max_length=500)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('offering', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='offerings.offering')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'offerings_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['user', 'read_at'], name='offerings_n_user_id_9d4028_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='Watch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('offering', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='watches', to='offerings.offering')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='watches', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'offerings_watch',
                        'ordering': ['-created_at'],
                        'constraints': [models.UniqueConstraint(fields=('user', 'offering'), name='one_watch_per_user_and_offering')],
                    },
                ),
    
            ],
            database_operations=[],
        ),
    ]
