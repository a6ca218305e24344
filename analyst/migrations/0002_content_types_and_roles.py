"""The moved models' content types (and so their permissions, and the roles' groups holding
them) now say app "analyst": the rows are relabelled, not recreated, so every group and user
keeps the permissions it had (offerings.add_watch is analyst.add_watch from here on)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MOVED = ("watch", "notification", "analystpreferences")


def _relabel(apps, old: str, new: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        moving = content_types.objects.filter(app_label=old, model=model).first()
        if moving is None:
            continue
        # A row under the new label (made by a migrate that stopped between the two
        # migrations) holds no group's permission yet: the relabelled row replaces it.
        content_types.objects.filter(app_label=new, model=model).delete()
        moving.app_label = new
        moving.save(update_fields=["app_label"])
    content_types.objects.clear_cache()


def forwards(apps, schema_editor):
    from diligence.roles import roles_sync

    _relabel(apps, "offerings", "analyst")
    # A new database has no permissions yet (they are made after migrate); the groups need them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    # Apps migrated later (records) are synced again by diligence 0007.
    roles_sync(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), missing_ok=True
    )


def backwards(apps, schema_editor):
    _relabel(apps, "analyst", "offerings")


class Migration(migrations.Migration):
    dependencies = [
        ("analyst", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("diligence", "0006_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
