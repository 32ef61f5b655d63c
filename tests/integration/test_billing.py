#!/usr/bin/env python3
"""Billing through a real `berth serve --runtime sim`: the create answer's estimated hourly cost,
the ledger of GET /api/v1/billing (structure, and amounts consistent with the seconds the
deployment has been RUNNING), the same ledger after a restart, a deleted deployment's past hours,
and range validation. Exact amounts are checked by the unit tests (tests/core/billing_test.cc)."""

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import berth_harness as h  # noqa: E402

BILLING = "/api/v1/billing"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
# cn-beijing, qwen3-8b, MU1 x 2 at 14.852 a replica-hour: 7.426 a unit-hour.
UNIT_PRICE = 7.426


def api_time(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(TIME_FORMAT)[:-3]


def parse_api_time(text):
    dt = datetime.datetime.strptime(text, TIME_FORMAT)
    return dt.replace(tzinfo=datetime.timezone.utc).timestamp()


class BillingTest(h.BerthTestCase):
    def billing(self, server, start, end, deployed_model=None):
        path = "%s?start=%s&end=%s" % (BILLING, api_time(start), api_time(end))
        if deployed_model:
            path += "&deployed_model=" + deployed_model
        return self.assertOk(server.get(path))

    def running_since(self, server, deployed_model):
        r = server.events(deployed_model)
        self.assertOk(r)
        times = [parse_api_time(e["time"]) for e in r.output["events"]
                 if e["status"] == "RUNNING"]
        self.assertTrue(times, r)
        return times[0]

    def assertLedgerShape(self, out, deployed_model):
        self.assertEqual(out["currency"], "USD")
        self.assertTrue(out["lines"], out)
        for line in out["lines"]:
            self.assertEqual(line["deployed_model"], deployed_model)
            self.assertEqual(line["plan"], "mu")
            self.assertEqual(line["item"], "mu_units")
            self.assertEqual(line["unit"], "unit-hour")
            self.assertEqual(line["unit_price"], UNIT_PRICE)
            self.assertTrue(line["priced"])
            self.assertEqual(line["charge_type"], "post_paid")
            self.assertEqual(line["billing_method"], "POST_PAY")
            self.assertGreater(line["quantity"], 0)
            self.assertGreater(line["amount"], 0)
            self.assertAlmostEqual(line["amount"], line["quantity"] * UNIT_PRICE, places=5)
            parse_api_time(line["hour"])  # a valid API time
        total = sum(line["amount"] for line in out["lines"])
        self.assertAlmostEqual(out["totals"]["amount"], total, places=5)
        self.assertEqual(out["totals"]["unpriced_tokens"], 0)

    def test_ledger_follows_running_time_and_survives_restart_and_delete(self):
        server = self.new_server()
        r = server.create({"model_name": "qwen3-8b", "deploy_spec": "MU1", "capacity": 4})
        out = self.assertOk(r)
        self.assertEqual(out["estimated_hourly_cost"], {"amount": 29.704, "currency": "USD"})
        dm = out["deployed_model"]
        self.assertOk(server.wait_running(dm))
        since = self.running_since(server, dm)
        time.sleep(1.5)

        start, end = since - 3600, since + 3600
        before = time.time()
        ledger = self.billing(server, start, end, dm)
        after = time.time()
        self.assertLedgerShape(ledger, dm)
        unit_hours = sum(line["quantity"] for line in ledger["lines"])
        # 4 ready units since `since`, accrued until the query was answered.
        self.assertGreaterEqual(unit_hours, 4 * (before - since - 0.002) / 3600)
        self.assertLessEqual(unit_hours, 4 * (after - since + 0.002) / 3600)

        # A closed range in the past is fixed: the same after a restart.
        closed_end = time.time() - 0.5
        first = self.billing(server, start, closed_end, dm)
        server.restart()
        again = self.billing(server, start, closed_end, dm)
        self.assertEqual(first["lines"], again["lines"])
        self.assertEqual(first["totals"], again["totals"])

        # Deleted: its past hours stay on the bill, and the ledger stops growing.
        self.assertOk(server.delete("/api/v1/deployments/" + dm))
        self.assertEqual(server.wait_gone(dm).status, 404)
        gone = self.billing(server, start, time.time() + 60, dm)
        self.assertLedgerShape(gone, dm)
        time.sleep(0.5)
        later = self.billing(server, start, time.time() + 60, dm)
        self.assertEqual(gone["totals"], later["totals"])

    def test_other_workspaces_see_nothing_and_bad_ranges_are_rejected(self):
        server = self.new_server()
        dm = self.assertOk(server.create({"model_name": "qwen3-8b", "capacity": 2}))[
            "deployed_model"]
        self.assertOk(server.wait_running(dm))
        ws = self.assertOk(server.post("/api/v1/admin/workspaces", {"name": "other"}))
        key = self.assertOk(server.post("/api/v1/admin/keys",
                                        {"workspace_id": ws["workspace_id"]}))["api_key"]
        now = time.time()
        r = server.get("%s?start=%s&end=%s" % (BILLING, api_time(now - 60), api_time(now + 60)),
                       key=key)
        self.assertEqual(self.assertOk(r)["lines"], [])

        # Omitted, start is the first day of end's month (end: now).
        self.assertEqual(self.assertOk(server.get(BILLING + "?end=2026-11-23"))["start"],
                         "2026-11-01T00:00:00.000")
        self.assertError(server.get(BILLING + "?start=2026-11-23&end=soon"), 400,
                         "InvalidParameter", contains="end must be a UTC time")
        self.assertError(server.get(BILLING + "?start=2026-11-23&end=2026-11-22"), 400,
                         "InvalidParameter", "end must be later than start")
        self.assertError(server.get(BILLING + "?start=2026-01-01&end=2026-03-01"), 400,
                         "InvalidParameter", "the range from start to end must not exceed 31 days")


if __name__ == "__main__":
    h.main()
