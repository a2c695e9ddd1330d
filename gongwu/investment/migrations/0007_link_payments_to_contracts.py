"""Payments named their contract in free text; contracts are records now. A payment whose contract number is
the number of a contract of its agency on the same project is linked to it, and each contract's paid total is
counted from its payments. Every payment is kept: one whose number matches nothing (or a contract on another
project) stays as it was, its number as typed. `gongwu link_contract_payments` does the same (logged) after
contracts are imported. Not written to the change log (a migration has no actor; the command is logged).
"""

import sys

from django.db import migrations
from django.db.models import Sum

BATCH = 1000


def link(apps, schema_editor):
    Payment = apps.get_model("investment", "Payment")
    Contract = apps.get_model("contracts", "Contract")
    contracts = {
        (agency_id, number): (pk, project_id)
        for pk, agency_id, number, project_id in Contract.objects.exclude(number="")
        .filter(voided_at__isnull=True)
        .values_list("pk", "agency_id", "number", "project_id")
    }
    if not contracts:
        return
    linked, left = 0, 0
    changed = []
    touched = set()
    rows = (
        Payment.objects.filter(contract__isnull=True)
        .exclude(contract_number="")
        .values_list("pk", "project_id", "project__agency_id", "contract_number")
        .order_by("pk")
    )
    for pk, project_id, agency_id, number in rows.iterator(chunk_size=BATCH):
        found = contracts.get((agency_id, number.strip()))
        if found is None or found[1] != project_id:
            left += 1
            continue
        changed.append(Payment(pk=pk, contract_id=found[0]))
        touched.add(found[0])
        linked += 1
        if len(changed) >= BATCH:
            Payment.objects.bulk_update(changed, ["contract"])
            changed = []
    if changed:
        Payment.objects.bulk_update(changed, ["contract"])
    totals = dict(
        Payment.objects.filter(contract__in=touched).values("contract").annotate(t=Sum("amount")).values_list(
            "contract", "t"
        )
    )
    for contract_id in touched:
        Contract.objects.filter(pk=contract_id).update(paid_amount=totals.get(contract_id) or 0)
    if linked or left:
        sys.stdout.write(f"\n  Payments linked to their contract: {linked}; left with their number as typed: {left}")


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0002_initial"),
        ("investment", "0006_payment_claim_payment_contract"),
    ]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
