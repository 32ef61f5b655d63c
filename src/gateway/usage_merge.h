// MergeUsage: the rows a batch of usage records is stored as. Records that share their
// millisecond, deployment, incarnation, workspace, key, status and flags become one row whose
// `requests` counts them and whose tokens and latency are their sums. Every answer read from the
// usage table (the usage route's hourly totals, billing's hourly tokens) sums rows, and the API
// takes times to the millisecond, so no answer changes; at one request at a time the store
// writes about a tenth of the rows (docs/gateway.md, "Metering and usage").
// Pure; any thread. Called by UsageRecorder's writer.
#pragma once

#include <span>
#include <vector>

#include "store/records.h"

namespace berth {

// Fills `rows` with the merged rows of `records`, in order of their first record. Records come
// in about time order, so a record is merged only into the rows of the millisecond the last
// record had; one out of order starts a row of its own (stored apart, summed alike). The
// elements `rows` already holds are assigned over, so their strings keep their storage.
void MergeUsage(std::span<const UsageRecord> records, std::vector<UsageRecord>& rows);

}  // namespace berth
