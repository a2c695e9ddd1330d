"""The pages of changes, spot checks and claims (included in the contracts app's urls)."""

from django.urls import path, re_path

from gongwu.contracts import pages_money, views_money

urlpatterns = [
    path("changes/bands/", pages_money.bands, name="change_bands"),
    re_path(
        r"^changes/(?P<pk>\d+)/(?P<step>submit|approve|reject|return|committee)/$",
        pages_money.change_step,
        name="change_step",
    ),
    re_path(
        r"^claims/(?P<pk>\d+)/(?P<step>submit|supervise|cost|approve|return)/$",
        pages_money.claim_step,
        name="claim_step",
    ),
    path("spot-checks/<int:pk>/draw/", pages_money.spotcheck_draw, name="spotcheck_draw"),
    path("spot-checks/<int:pk>/items/<int:item>/", pages_money.spotcheck_finding, name="spotcheck_finding"),
    *views_money.ChangeBandViews.urls("change-bands"),
    *views_money.ChangeViews.urls("changes"),
    *views_money.SpotCheckViews.urls("spot-checks"),
    *views_money.ClaimViews.urls("claims"),
]
