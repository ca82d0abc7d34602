"""How strongly an accept claims the phone behind an IMEI, and when it takes the IMEI over. No I/O.

A new accept takes the IMEI over from another account's open exchange (one not handed over) only
with a strictly stronger claim; otherwise "one device at a time" answers 409 as before.
"""

ONLINE = 0  # anyone who knows the IMEI (it is printed on boxes and invoices)
DEVICE_PRESENT = 1  # a retail partner in store, asserting the phone was on the counter
PLAN_OWNER = 2  # the account of a live Smart Upgrade plan naming the IMEI (sold in store against an invoice)


def claim(owns_plan: bool, device_present: bool) -> int:
    if owns_plan:
        return PLAN_OWNER
    return DEVICE_PRESENT if device_present else ONLINE


def may_supersede(new_claim: int, held_claim: int) -> bool:
    return new_claim > held_claim
