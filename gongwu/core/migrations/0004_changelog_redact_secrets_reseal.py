"""Take the password hashes (and any API token hash) out of the change log and re-seal it with the audit key.

Entries made before this migration held users' password hashes and were chained with plain SHA-256. This
migration, once: checks the old chain as it stood (plain SHA-256), replaces each secret value with its
redaction mark, re-computes every hash as HMAC-SHA256 with GONGWU_AUDIT_KEY, and appends one entry
("chain re-sealed") recording the old chain's verdict and head, the new head, and which entries lost which
field's value. Nothing to do on an empty change log. See README "Change log".
"""

from django.db import migrations

from gongwu.core import audit


def reseal(apps, schema_editor):
    record = audit.reseal_chain(apps, secrets=audit.LEGACY_SECRETS, old_hash=audit.legacy_hash)
    if record is not None:
        try:  # anchor the re-sealed head outside the database at once
            audit.publish(audit.checkpoint_of(apps.get_model("core", "ChangeLogEntry")))
        except OSError:
            pass  # the next scheduled `gongwu audit checkpoint` writes it


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_changelogentry_action_rechain"),
    ]

    operations = [migrations.RunPython(reseal, migrations.RunPython.noop, elidable=False)]
