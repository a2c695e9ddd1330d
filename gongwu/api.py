"""The JSON API: one NinjaAPI, a router per registered model, OpenAPI docs at /api/docs."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from gongwu.alerts import api as alerts_api
from gongwu.contracts import api as contracts_api
from gongwu.contracts import api_money as contracts_money_api
from gongwu.contracts import api_reviews as contracts_reviews_api
from gongwu.core import api as core_api
from gongwu.core.generic.api import DocumentedAPI
from gongwu.inspections import api as inspections_api
from gongwu.investment import api as investment_api
from gongwu.projects import api as projects_api
from gongwu.tenders import api as tenders_api

api = DocumentedAPI(
    title="Gongwu API",
    version="1",
    description="工务 platform API. Authenticate with `Authorization: Bearer <token>` (tokens: user menu → API tokens)"
    " or a signed-in browser session. Lists take `limit` (≤1000), `offset` and the same filters as the list pages,"
    ' and answer `{"count": null, "has_more": true, "next": "/api/…&offset=50", "results": [...]}`:'
    " `has_more` and `next` (the path of the next page, null on the last) come from reading one row past the"
    " page; the total is counted only when asked, with `count=true` (counting every row the caller may see costs"
    " more than the page itself). A token's user is remembered for `GONGWU_API_TOKEN_CACHE_SECONDS` (30) in each"
    " server process: an expired token is refused at once; a revoked token or a deactivated user at once by the"
    " process that made the change, and within those seconds by the others.",
    urls_namespace="api",
)
api.add_router("/organizations/", core_api.organizations)
api.add_router("/users/", core_api.users)
api.add_router("/changelog/", core_api.changelog)
api.add_router("/calendar-days/", core_api.calendar_days)
api.add_router("/figures/", core_api.figures)
api.add_router("/projects/", projects_api.projects)
api.add_router("/approvals/", projects_api.approvals)
api.add_router("/approval-kinds/", projects_api.approval_kinds)
api.add_router("/milestones/", projects_api.milestones)
api.add_router("/progress-reports/", projects_api.progress_reports)
api.add_router("/task-lists/", projects_api.task_lists)
api.add_router("/task-items/", projects_api.task_items)
api.add_router("/awards/", projects_api.awards)
api.add_router("/participations/", projects_api.participations)
api.add_router("/project-tags/", projects_api.project_tags)
api.add_router("/cases/", alerts_api.cases)
api.add_router("/meetings/", alerts_api.meetings)
api.add_router("/rules/", alerts_api.rules)
api.add_router("/alerts/", alerts_api.board)
api.add_router("/notifications/", alerts_api.notifications)
api.add_router("/investment-plans/", investment_api.plans)
api.add_router("/schedule-templates/", investment_api.schedule_templates)
api.add_router("/investment-settings/", investment_api.investment_settings)
api.add_router("/monthly-actuals/", investment_api.monthly_actuals)
api.add_router("/plan-adjustments/", investment_api.plan_adjustments)
api.add_router("/payments/", investment_api.payments)
api.add_router("/investment/", investment_api.dashboard)
api.add_router("/sections/", projects_api.sections)
api.add_router("/inspections/", inspections_api.inspections)
api.add_router("/score-sheets/", inspections_api.score_sheets)
api.add_router("/checklists/", inspections_api.checklists)
api.add_router("/check-items/", inspections_api.check_items)
api.add_router("/findings/", inspections_api.findings)
api.add_router("/notices/", inspections_api.notices)
api.add_router("/hazardous-works/", inspections_api.hazardous_works)
api.add_router("/accidents/", inspections_api.accidents)
api.add_router("/tender-plans/", tenders_api.tender_plans)
api.add_router("/tenders/", tenders_api.tenders)
api.add_router("/bids/", tenders_api.bids)
api.add_router("/tender-schemes/", tenders_api.tender_schemes)
api.add_router("/cost-reviews/", contracts_reviews_api.cost_reviews)
api.add_router("/subcontracts/", contracts_reviews_api.subcontracts)
api.add_router("/settlement-backlog/", contracts_reviews_api.backlog)
api.add_router("/change-bands/", contracts_money_api.change_bands)
api.add_router("/changes/", contracts_money_api.changes_router)
api.add_router("/change-spot-checks/", contracts_money_api.spot_checks)
api.add_router("/claims/", contracts_money_api.claims_router)
api.add_router("/contracts/", contracts_api.contracts)
api.add_router("/contract-settings/", contracts_api.contract_settings)
api.add_router("/contract-templates/", contracts_api.contract_templates)
api.add_router("/countersign-routes/", contracts_api.countersign_routes)
api.add_router("/countersign-route-steps/", contracts_api.countersign_route_steps)
api.add_router("/countersign-steps/", contracts_api.countersign_steps)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or _("Permission denied.")}, status=403)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": _("Sign in or send an API token.")}, status=401)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = [{"loc": [str(p) for p in e.get("loc", [])], "msg": str(e.get("msg", ""))} for e in exc.errors]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's 400 is a body it cannot parse: invalid input like any other, so a 422 in the documented form."""
    if exc.status_code != 400:
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
    detail = [{"loc": ["body"], "msg": _("The request body is not valid JSON.")}]
    return api.create_response(request, {"detail": detail}, status=422)
