"""The addresses of cost reviews, the 双算 backlog and subcontract filings (included by the app's urls.py)."""

from django.urls import path

from gongwu.contracts import pages_reviews, views_reviews

urlpatterns = [
    path("settlement-backlog/", pages_reviews.backlog, name="settlement_backlog"),
    *views_reviews.ReviewViews.urls("reviews"),
    *views_reviews.SubcontractViews.urls("subcontracts"),
]
