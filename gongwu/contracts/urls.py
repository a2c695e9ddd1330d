from gongwu.contracts import urls_reviews

app_name = "contracts"

urlpatterns: list = [
    *urls_reviews.urlpatterns,
]
