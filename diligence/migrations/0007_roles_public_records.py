"""The analyst role decides public-record matches: the roles again, with records' permissions."""

from django.db import migrations


def roles_update(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from diligence.roles import roles_sync

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_sync(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("diligence", "0006_roles"),
        ("records", "0001_initial"),
        ("analyst", "0002_content_types_and_roles"),
    ]

    operations = [migrations.RunPython(roles_update, migrations.RunPython.noop)]
