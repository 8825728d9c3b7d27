"""The catalogue of slots a pattern body may use, and where each value comes from.

A slot is written ``{group.field}`` in a pattern body. ``group`` is one of the CRM groups of
an :class:`~advisor.context.models.InteractionContext` (``customer``, ``order``, ``case``) or
``agent``; ``field`` is a key inside it. Lint (governance) flags slots outside this catalogue.
Other names a CRM uses for a slot (``customer.tier`` for ``customer.segment``) are listed in
:mod:`advisor.context.aliases`.
"""

from __future__ import annotations

SLOT_CATALOGUE: dict[str, str] = {
    # customer
    "customer.first_name": "Customer's first name",
    "customer.last_name": "Customer's last name",
    "customer.email": "Customer's e-mail address on file",
    "customer.phone": "Customer's phone number on file",
    "customer.username": "Customer's account username",
    "customer.segment": "Loyalty / membership segment (guest, bronze, silver, gold, platinum)",
    "customer.account_id": "Customer account id",
    # order
    "order.id": "Order number",
    "order.status": (
        "Order status (processing, shipped, in_transit, delivered, returned, cancelled, payment_failed)"
    ),
    "order.purchase_date": "Date the order was placed",
    "order.item": "Name of the item in question",
    "order.total": "Order total with currency",
    "order.shipping_fee": "Shipping fee charged on the order (0 when delivery was free)",
    "order.carrier": "Shipping carrier",
    "order.tracking_number": "Carrier tracking number",
    "order.tracking_url": "Tracking link",
    "order.shipped_at": "Date the order shipped",
    "order.eta": "Estimated delivery date",
    "order.shipping_address": "Delivery address on the order",
    "order.payment_method": "Payment method used",
    "order.refund_amount": "Amount refunded or to be refunded",
    "order.refund_eta": "Date the refund should reach the customer",
    "order.refunded_at": "Date the refund was sent to the customer's payment method",
    "order.return_deadline": "Last day to return the order",
    "order.return_label_url": "Prepaid return label link",
    # case
    "case.id": "Case / ticket number",
    "case.promo_code": "Promo code the customer mentioned",
    "case.promo_code_expires": "Last day the promo code could be used (a timestamp counts as its UTC day)",
    "case.subscription_plan": "Subscription plan name",
    "case.subscription_renewal_date": "Next renewal date of the subscription",
    "case.amount_due": "Amount due on the account",
    "case.subscription_charges": "Times the subscription was charged in its current billing period",
    "case.item_stock": "Stock of the item, size or colour asked about (in_stock, low_stock, sold_out)",
    # agent
    "agent.first_name": "The agent's first name",
}
"""Known slot → what it holds. Values come from the request's CRM fields or a connector."""

SLOT_GROUPS = frozenset(s.split(".", 1)[0] for s in SLOT_CATALOGUE)
