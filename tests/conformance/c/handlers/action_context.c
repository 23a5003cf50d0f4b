/*
 * The conformance app's `action_context` route: replies with the call
 * context, {"context": {"params": {...}, "user": <id or null>}}.
 */
#include "switchboard.h"

int handle(const sb_request *req, sb_error *err) {
    (void)req;
    size_t count;
    const sb_pair *params = sb_context_params(&count);
    const sb_user *user = sb_context_user();
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, "{\"context\":{\"params\":{");
    for (size_t i = 0; i < count; i++) {
        if (i) sb_buf_add_char(&out, ',');
        sb_buf_add_json_string(&out, params[i].name);
        sb_buf_add_char(&out, ':');
        sb_buf_add_json_string(&out, params[i].value);
    }
    sb_buf_add(&out, "},\"user\":");
    if (user) sb_buf_add_json_string(&out, user->id);
    else sb_buf_add(&out, "null");
    sb_buf_add(&out, "}}");
    int rc = out.failed ? sb_fail(err, "out of memory") : sb_send_json(sb_buf_str(&out));
    sb_buf_free(&out);
    return rc;
}
