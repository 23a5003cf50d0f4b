/*
 * The conformance app's `schedules/tick` schedule: every second, tries
 * `send` (which fails: a schedule has no user) and reports the tick and
 * that error to the user `watcher` (tests/conformance/README.md).
 */
#include "switchboard.h"

SB_SCHEDULE_CONFIG("* * * * * *", NULL, 0);

int run_schedule(const sb_tick *tick, sb_error *err) {
    int sent = sb_send_json("{}");
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, tick->catch_up ? "{\"catch_up\":true" : "{\"catch_up\":false");
    sb_buf_add(&out, ",\"scheduled_at\":");
    sb_buf_add_int(&out, (long long)tick->scheduled_at);
    sb_buf_add(&out, ",\"send_error\":");
    if (sent == 0) sb_buf_add(&out, "null");
    else sb_buf_add_json_string(&out, sb_last_error());
    sb_buf_add(&out, ",\"tick\":\"c\"}");
    static const char *const watcher[] = {"watcher"};
    int rc = out.failed ? sb_fail(err, "out of memory") : sb_send_to_json(watcher, 1, sb_buf_str(&out));
    sb_buf_free(&out);
    if (rc != 0) return sb_fail(err, sb_last_error());
    return 0;
}
