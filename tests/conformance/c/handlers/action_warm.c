/*
 * The conformance app's `action_warm` route: warm instances keep module
 * state. Each {"action":"warm"} adds 1 to a file-scope counter and sends
 * {"count": <counter>, "mode": "warm"}, so the counts go 1, 2, 3... while
 * the server reuses the instance. With "spin": true the call loops
 * forever, until fuel or the timeout stops it and the server discards
 * the instance; the next call starts at 1 again. (The counter is not
 * per-user data, so keeping it is safe.)
 */
#include "switchboard.h"

SB_WARM_CONFIG(SB_DATA_JSON, SB_DEFAULT_TIMEOUT);

static long long counter;

int handle(const sb_request *req, sb_error *err) {
    sb_span spin;
    if (sb_json_field(sb_request_span(req), "spin", &spin) && sb_json_kind(spin) == 't') {
        /* volatile: the loop must really run, not be optimised away. */
        volatile unsigned long long spins = 0;
        for (;;) spins++;
    }
    counter++;
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, "{\"count\":");
    sb_buf_add_int(&out, counter);
    sb_buf_add(&out, ",\"mode\":\"warm\"}");
    int rc = out.failed ? sb_fail(err, "out of memory") : sb_send_json(sb_buf_str(&out));
    sb_buf_free(&out);
    return rc;
}
