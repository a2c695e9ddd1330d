from gongwu.contracts import urls_money

app_name = "contracts"

urlpatterns: list = [*urls_money.urlpatterns]
