/*
 * The conformance app's `api/echo/[id]` route: an HTTP handler that
 * echoes the request, its route param and its user (keys sorted, as the
 * Rust version writes them), and sends over the socket when the request
 * has an x-send header.
 */
#include "switchboard.h"

static void add_string_or_null(sb_buf *out, const char *text) {
    if (text) sb_buf_add_json_string(out, text);
    else sb_buf_add(out, "null");
}

int sb_http_handle(const sb_http_request *req, sb_http_response *res) {
    sb_http_add_header(res, "x-lang", "c");
    sb_buf out = SB_BUF_INIT;
    if (sb_header(req, "x-send") && sb_send_json("{\"from\":\"c\",\"via\":\"http\"}") != 0) {
        sb_buf_add(&out, "{\"error\":");
        sb_buf_add_json_string(&out, sb_last_error());
        sb_buf_add(&out, "}");
        sb_http_set_json(res, 400, sb_buf_str(&out));
        sb_buf_free(&out);
        return 0;
    }
    const sb_user *user = sb_context_user();
    sb_buf_add(&out, "{\"body\":");
    sb_buf_add_json_string_n(&out, req->http.body, req->http.body_len);
    sb_buf_add(&out, ",\"header\":");
    add_string_or_null(&out, sb_header(req, "x-probe"));
    sb_buf_add(&out, ",\"id\":");
    add_string_or_null(&out, sb_context_param("id"));
    sb_buf_add(&out, ",\"lang\":\"c\",\"method\":");
    sb_buf_add_json_string(&out, req->method);
    sb_buf_add(&out, ",\"path\":");
    sb_buf_add_json_string(&out, req->http.path_with_query);
    sb_buf_add(&out, ",\"user\":");
    add_string_or_null(&out, user ? user->id : NULL);
    sb_buf_add(&out, "}");
    sb_http_set_json(res, 200, sb_buf_str(&out));
    sb_buf_free(&out);
    return 0;
}
