"""Watch, Notification and AnalystPreferences move to the analyst app (analyst 0001). State only:
their tables keep their names (offerings_watch …) and their rows, nothing is copied."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("offerings", "0015_notification_kinds_contract_and_unlock"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='notification',
                    name='offering',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='watch',
                    name='offering',
                ),
                migrations.RemoveField(
                    model_name='watch',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='AnalystPreferences',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='Watch',
                ),
    
            ],
            database_operations=[],
        ),
    ]
