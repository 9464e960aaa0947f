"""Writes to portfolios: entries and reflections (the learner), reviews, sign-off
and unlock (the assigned assessor). A signed-off portfolio is locked: nothing in
it changes until an unlock is recorded with its reason."""

from django.db import IntegrityError, transaction

from accounts.models import Role
from orders.models import Order, OrderEvent
from revision.models import ContentItem, Section

from .evidence import final_hash, portfolio_records
from .exceptions import PortfolioError
from .models import DECLARATION, Entry, Portfolio, Review, SignOff, Unlock


def portfolio_for(learner) -> Portfolio:
    portfolio, _ = Portfolio.objects.get_or_create(learner=learner)
    return portfolio


def current_sign_off(portfolio: Portfolio) -> SignOff | None:
    """The sign-off in force: the latest, unless it has been unlocked."""
    latest = (
        SignOff.objects.filter(portfolio=portfolio)
        .select_related("assessor")
        .order_by("-at", "-pk")
        .first()
    )
    if latest is None or Unlock.objects.filter(sign_off=latest).exists():
        return None
    return latest


def _lock(portfolio: Portfolio) -> Portfolio:
    """Lock the row, and refuse a change to a signed-off portfolio."""
    portfolio = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    if current_sign_off(portfolio) is not None:
        raise PortfolioError(
            "This portfolio is signed off and locked; the assessor must unlock it "
            "(with a reason) before it can change."
        )
    return portfolio


def eligible_orders(learner):
    """Orders the learner processed: their practice orders, and live orders they
    acted on when their role allows live work."""
    practice = Order.objects.filter(practice_learner=learner)
    if not learner.has_role(Role.PROCESSOR, Role.SUPERVISOR):
        return practice
    acted = OrderEvent.objects.filter(actor=learner).values("order_id")
    return practice | Order.objects.filter(pk__in=acted, practice_learner__isnull=True)


@transaction.atomic
def entry_add(*, learner, order: Order, reflection: str = "") -> Entry:
    """Add an order the learner processed, with an optional reflection."""
    portfolio = _lock(portfolio_for(learner))
    if not eligible_orders(learner).filter(pk=order.pk).exists():
        raise PortfolioError("Add only orders you processed yourself.")
    try:
        with transaction.atomic():
            return Entry.objects.create(
                portfolio=portfolio, order=order, reflection=reflection.strip()
            )
    except IntegrityError as error:
        raise PortfolioError(
            f"{order.reference} is already in your portfolio."
        ) from error


@transaction.atomic
def entry_remove(*, learner, entry: Entry) -> None:
    portfolio = _lock(portfolio_for(learner))
    if entry.portfolio_id != portfolio.pk:
        raise PortfolioError("That order is not in your portfolio.")
    entry.delete()


@transaction.atomic
def reflection_save(*, learner, entry: Entry, text: str) -> Entry:
    """The learner's short reflective statement on one order."""
    portfolio = _lock(portfolio_for(learner))
    if entry.portfolio_id != portfolio.pk:
        raise PortfolioError("That order is not in your portfolio.")
    text = text.strip()
    if len(text) > 3000:
        raise PortfolioError("Keep the reflection to 3,000 characters.")
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    entry.reflection = text
    entry.save(update_fields=["reflection"])
    return entry


def _ensure_assessor(portfolio: Portfolio, assessor) -> None:
    if portfolio.assessor_id is None or portfolio.assessor_id != assessor.pk:
        raise PortfolioError("Only the learner's assigned assessor can do this.")


def criteria() -> list[ContentItem]:
    return list(
        ContentItem.objects.filter(
            section=Section.ASSESSMENT_CRITERION, active=True
        ).order_by("position")
    )


@transaction.atomic
def review_record(
    *, portfolio: Portfolio, assessor, criterion: ContentItem, verdict: str, comment
) -> Review:
    """The assessor's judgement and comment on one criterion (kept; latest counts)."""
    portfolio = _lock(portfolio)
    _ensure_assessor(portfolio, assessor)
    if criterion.section != Section.ASSESSMENT_CRITERION:
        raise PortfolioError("Review the portfolio against an assessment criterion.")
    if verdict not in Review.Verdict.values:
        raise PortfolioError("Choose met, not yet met or more evidence needed.")
    if not comment.strip():
        raise PortfolioError("Write a comment the learner can act on.")
    return Review.objects.create(
        portfolio=portfolio,
        criterion=criterion,
        assessor=assessor,
        verdict=verdict,
        comment=comment.strip(),
    )


def latest_reviews(portfolio: Portfolio) -> dict[str, Review]:
    """Each criterion's latest review, by criterion identifier."""
    latest: dict[str, Review] = {}
    reviews = Review.objects.filter(portfolio=portfolio).select_related(
        "criterion", "assessor"
    )
    for review in reviews.order_by("-at", "-pk"):
        latest.setdefault(review.criterion.identifier, review)
    return latest


@transaction.atomic
def sign_off(*, portfolio: Portfolio, assessor, declared: bool) -> SignOff:
    """Sign the portfolio off: every criterion judged met, the declaration made;
    the evidence chain's final hash is stored and the portfolio locked."""
    portfolio = _lock(portfolio)
    _ensure_assessor(portfolio, assessor)
    if not declared:
        raise PortfolioError("Tick the declaration to sign off.")
    entries = list(portfolio.entries.select_related("order"))
    if not entries:
        raise PortfolioError("There is no evidence to sign off yet.")
    latest = latest_reviews(portfolio)
    unmet = [
        c.identifier
        for c in criteria()
        if c.identifier not in latest
        or latest[c.identifier].verdict != Review.Verdict.MET
    ]
    if unmet:
        raise PortfolioError(
            "Judge every criterion met before signing off: " + ", ".join(unmet) + "."
        )
    records = portfolio_records(portfolio)
    return SignOff.objects.create(
        portfolio=portfolio,
        assessor=assessor,
        declaration=DECLARATION,
        final_hash=final_hash(records, learner_id=portfolio.learner_id),
        event_count=len(records),
        orders=list(dict.fromkeys(record["order"] for record in records)),
    )


@transaction.atomic
def sign_off_undo(*, portfolio: Portfolio, actor, reason: str) -> Unlock:
    """Unlock a signed-off portfolio, on the record: by its assessor (or a
    supervisor), with the reason."""
    portfolio = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    current = current_sign_off(portfolio)
    if current is None:
        raise PortfolioError("This portfolio is not signed off.")
    if not (actor.pk == portfolio.assessor_id or actor.has_role(Role.SUPERVISOR)):
        raise PortfolioError("Only the assigned assessor or a supervisor can unlock.")
    if not reason.strip():
        raise PortfolioError("Give the reason for unlocking.")
    return Unlock.objects.create(sign_off=current, by=actor, reason=reason.strip())


def evidence_check(portfolio: Portfolio, sign_off_row: SignOff | None = None):
    """Whether the evidence now still hashes to what was signed off:
    (matches, final hash now, event count now)."""
    sign_off_row = sign_off_row or current_sign_off(portfolio)
    records = portfolio_records(portfolio)
    now = final_hash(records, learner_id=portfolio.learner_id)
    if sign_off_row is None:
        return None, now, len(records)
    return now == sign_off_row.final_hash, now, len(records)
