/*
 * The conformance app's `api/fetch` route: an outbound GET to the `url`
 * query parameter; 200 {"body": ..., "status": ...} with what came back,
 * or 502 {"error": ...} when the request fails.
 */
#include "switchboard.h"

int sb_http_handle(const sb_http_request *req, sb_http_response *res) {
    const char *url = sb_query_param(req, "url");
    sb_http_result upstream;
    sb_buf out = SB_BUF_INIT;
    if (sb_http_fetch("GET", url ? url : "", NULL, 0, NULL, 0, &upstream) != 0) {
        sb_buf_add(&out, "{\"error\":");
        sb_buf_add_json_string(&out, sb_last_error());
        sb_buf_add(&out, "}");
        sb_http_set_json(res, 502, sb_buf_str(&out));
    } else {
        sb_buf_add(&out, "{\"body\":");
        sb_buf_add_json_string_n(&out, upstream.body, upstream.body_len);
        sb_buf_add(&out, ",\"status\":");
        sb_buf_add_int(&out, upstream.status);
        sb_buf_add(&out, "}");
        sb_http_set_json(res, 200, sb_buf_str(&out));
        sb_http_result_free(&upstream);
    }
    sb_buf_free(&out);
    return 0;
}
