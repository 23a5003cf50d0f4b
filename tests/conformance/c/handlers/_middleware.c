/*
 * The conformance app's `_middleware`: authenticate and presence.
 */
#include "switchboard.h"

#include <stdlib.h>

int authenticate(const sb_http_request *req, sb_user *user, sb_error *err) {
    if (sb_query_param(req, "deny")) return sb_fail(err, "denied");
    const char *id = sb_query_param(req, "user");
    if (!id) return 0; /* anonymous */
    int rc = sb_set_user(user, id, "{\"via\":\"conformance\"}");
    if (rc != 0) return rc;
    const char *expires = sb_query_param(req, "expires");
    if (expires) sb_set_user_expiry(user, strtoull(expires, NULL, 10));
    return 0;
}

int on_online(const char *user, sb_error *err) {
    if (sb_store_set_add("online_seen", user) < 0) return sb_fail(err, sb_last_error());
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, "{\"presence\":\"online\",\"user\":");
    sb_buf_add_json_string(&out, user);
    sb_buf_add(&out, "}");
    int rc = out.failed ? sb_fail(err, "out of memory") : sb_send_json(sb_buf_str(&out));
    sb_buf_free(&out);
    return rc;
}

int on_offline(const char *user, sb_error *err) {
    if (sb_store_set_add("offline_seen", user) < 0) return sb_fail(err, sb_last_error());
    return 0;
}
