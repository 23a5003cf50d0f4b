/*
 * The conformance app's `queues/work` job: fails on purpose while its
 * attempt is below the payload's `fail_until`, then reports the run to
 * the job's user (tests/conformance/README.md).
 */
#include "switchboard.h"

#include <stdlib.h>
#include <string.h>

SB_QUEUE_CONFIG(0, 3, 0);

/* A JSON number's value (the span is not NUL-terminated). */
static double number(sb_span value) {
    char text[64] = "";
    if (value.len < sizeof text) memcpy(text, value.ptr, value.len);
    return strtod(text, NULL);
}

int run_job(const sb_job *job, sb_error *err) {
    sb_span payload = sb_job_span(job), value;
    if (sb_json_field(payload, "fail_until", &value) && sb_json_kind(value) == '0' &&
        job->attempt < number(value)) {
        sb_buf reason = SB_BUF_INIT;
        sb_buf_add(&reason, "attempt ");
        sb_buf_add_int(&reason, job->attempt);
        sb_buf_add(&reason, " failed");
        int rc = sb_fail(err, sb_buf_str(&reason));
        sb_buf_free(&reason);
        return rc;
    }
    uint32_t context_attempt = sb_context_attempt();
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, "{\"attempt\":");
    sb_buf_add_int(&out, job->attempt);
    sb_buf_add(&out, ",\"context_attempt\":");
    if (context_attempt) sb_buf_add_int(&out, context_attempt);
    else sb_buf_add(&out, "null");
    sb_buf_add(&out, ",\"job\":");
    sb_buf_add_json_string(&out, job->id);
    sb_buf_add(&out, ",\"lang\":\"c\",\"tag\":");
    if (!sb_json_field(payload, "tag", &value) || !sb_json_write_canonical(&out, value))
        sb_buf_add(&out, "null");
    sb_buf_add(&out, ",\"user\":");
    if (job->user) sb_buf_add_json_string(&out, job->user->id);
    else sb_buf_add(&out, "null");
    sb_buf_add(&out, "}");
    if (out.failed) {
        sb_buf_free(&out);
        return sb_fail(err, "out of memory");
    }
    /* A job pushed by an anonymous caller has no one to send to: the
     * send fails, and the run still succeeds. */
    sb_send_json(sb_buf_str(&out));
    sb_buf_free(&out);
    return 0;
}
