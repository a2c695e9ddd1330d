from gongwu.contracts import urls_money, urls_reviews

app_name = "contracts"

urlpatterns: list = [
    *urls_money.urlpatterns,
    *urls_reviews.urlpatterns,
]
