"""The roles (viewer, analyst, editor, approver, admin) as groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def roles_create(apps, schema_editor):
    from diligence.roles import ROLES, roles_sync

    # The roles as they were here: the watchlist's permissions were offerings' until analyst
    # 0002 moved them (with their groups) to the analyst app.
    then = {
        name: {**role, "perms": _then(role["perms"])} for name, role in ROLES.items()
    }

    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    # Apps migrated later (records) are synced again by their own roles migration.
    roles_sync(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), then, missing_ok=True
    )


def _then(perms):
    if perms is None:
        return None
    return [
        perm.replace("analyst.", "offerings.", 1) if perm.startswith("analyst.") else perm
        for perm in perms
    ]


def roles_delete(apps, schema_editor):
    from diligence.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("diligence", "0005_workflow_permissions_and_approved_version"),
        ("offerings", "0012_offering_soft_delete"),
        ("api", "0002_key_open_allowlist_and_lockout_events"),
        ("webhooks", "0001_initial"),
    ]

    operations = [migrations.RunPython(roles_create, roles_delete)]
