"""Organizations: the whole generic suite (pages, Excel, API, denial) from data, plus their own rules."""

import itertools

from gongwu.core import testing
from gongwu.core.models import Organization, OrganizationKind
from gongwu.core.views import OrganizationViews

codes = itertools.count(7000)


class OrganizationData(testing.ModelTestData):
    viewset = OrganizationViews
    url_prefix = "/organizations/"
    api_prefix = "/api/organizations/"
    natural_key = "name"
    edited_field = "name"

    def make_object(self, agency: Organization) -> Organization:
        return testing.DepartmentFactory(parent=agency)

    def form_data(self, agency: Organization) -> dict:
        return {
            "name": "鼓楼区工务署工程管理处",
            "short_name": "工程处",
            "kind": OrganizationKind.DEPARTMENT,
            "parent": agency.pk,
            "credit_code": "",
            "region": "鼓楼区",
            "address": "福州市鼓楼区五四路1号",
            "contact_person": "王工",
            "contact_phone": "0591-12345678",
            "is_active": "on",
        }

    def api_payload(self, agency: Organization) -> dict:
        data = {**self.form_data(agency), "parent_id": agency.pk, "is_active": True}
        del data["parent"]
        return data

    def edit_data(self, obj: Organization) -> dict:
        return {
            "name": f"{obj.name}（更名）",
            "short_name": obj.short_name,
            "kind": obj.kind,
            "parent": obj.parent_id or "",
            "credit_code": obj.credit_code,
            "region": obj.region,
            "address": obj.address,
            "contact_person": obj.contact_person,
            "contact_phone": obj.contact_phone,
            "is_active": "on",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict, str, str]:
        data = {
            **self.form_data(agency),
            "name": "错码建设工程有限公司",
            "kind": OrganizationKind.CONTRACTOR,
            "parent": "",
            "credit_code": "91350100M000100Y44",
        }
        return data, "credit_code", "is “4” but should be “3”"

    def api_bad_payload(self, agency: Organization) -> dict:
        data, _field, _message = self.invalid_form_data(agency)
        del data["parent"]
        return {**data, "parent_id": None, "is_active": True}

    def filter_case(self, obj: Organization, agency: Organization) -> tuple[dict, Organization]:
        return {"kind": OrganizationKind.DEPARTMENT}, testing.CompanyFactory()

    def import_row(self, agency: Organization) -> dict:
        number = next(codes)
        return {
            "name": f"导入建设工程有限公司{number}号",
            "kind": "Contractor",
            "credit_code": testing.credit_code(number),
            "region": "福州市",
            "contact_person": "李工",
            "is_active": "Yes",
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict, str]:
        row = self.import_row(agency)
        good = row["credit_code"]
        wrong = "0" if good[-1] != "0" else "1"
        row["credit_code"] = good[:-1] + wrong
        return row, f"is “{wrong}” but should be “{good[-1]}”"


class TestOrganizationPages(OrganizationData, testing.ObjectViewTests):
    pass


class TestOrganizationLedger(OrganizationData, testing.ImportExportTests):
    pass


class TestOrganizationAPI(OrganizationData, testing.APITests):
    pass
