/*
 * The conformance app's `[room]/action_text` route: the text data type
 * and route params. Replies {"raw": <the frame's text>, "room": <param>}
 * (keys sorted, as the Rust version writes them).
 */
#include "switchboard.h"

SB_CONFIG(SB_DATA_TEXT, 5);

int handle(const sb_request *req, sb_error *err) {
    const char *room = sb_param(req, "room");
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, "{\"raw\":");
    sb_buf_add_json_string_n(&out, req->data, req->data_len);
    sb_buf_add(&out, ",\"room\":");
    if (room) sb_buf_add_json_string(&out, room);
    else sb_buf_add(&out, "null");
    sb_buf_add(&out, "}");
    int rc = out.failed ? sb_fail(err, "out of memory") : sb_send_json(sb_buf_str(&out));
    sb_buf_free(&out);
    return rc;
}
