/*
 * The conformance app's `action_fresh` route: the code of `action_warm`
 * with the default config (fresh instances), sending "mode": "fresh".
 * Every call is a new instance, so the count is always 1.
 */
#include "switchboard.h"

/* No SB_CONFIG: the defaults, fresh instances. */

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
    sb_buf_add(&out, ",\"mode\":\"fresh\"}");
    int rc = out.failed ? sb_fail(err, "out of memory") : sb_send_json(sb_buf_str(&out));
    sb_buf_free(&out);
    return rc;
}
