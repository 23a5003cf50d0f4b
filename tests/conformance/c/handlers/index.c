/*
 * The conformance app's `index` route: one operation per message, chosen
 * by its `op` field (tests/conformance/README.md). JSON replies are
 * written with sorted keys and echoed values in canonical form, so they
 * are the same bytes the Rust version sends.
 */
#include "switchboard.h"

#include <stdlib.h>
#include <string.h>

/* Sends the JSON in `out` and frees it. */
static int send_json(sb_buf *out, sb_error *err) {
    int rc = out->failed ? sb_fail(err, "out of memory") : sb_send_json(sb_buf_str(out));
    sb_buf_free(out);
    return rc;
}

/* Appends a field's value in canonical form, or null when absent. */
static void add_field(sb_buf *out, sb_span msg, const char *name) {
    sb_span value;
    if (!sb_json_field(msg, name, &value) || !sb_json_write_canonical(out, value))
        sb_buf_add(out, "null");
}

static int echo(const sb_request *req, sb_span msg, sb_error *err) {
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, "{\"claims\":");
    if (!req->claims || !sb_json_write_canonical(&out, sb_span_of(req->claims)))
        sb_buf_add(&out, "null");
    sb_buf_add(&out, ",\"echo\":");
    sb_json_write_canonical(&out, msg);
    sb_buf_add(&out, ",\"user\":");
    if (req->user) sb_buf_add_json_string(&out, req->user);
    else sb_buf_add(&out, "null");
    sb_buf_add(&out, "}");
    return send_json(&out, err);
}

static int send_to(sb_span msg, sb_error *err) {
    sb_span users_json, message;
    size_t count = 0;
    char **users = NULL;
    if (sb_json_field(msg, "users", &users_json)) users = sb_json_strings(users_json, &count);
    if (!users) return sb_fail(err, "users must be an array of strings");
    sb_buf body = SB_BUF_INIT;
    if (!sb_json_field(msg, "message", &message) || !sb_json_write_canonical(&body, message))
        sb_buf_add(&body, "null");
    int rc = sb_send_to_json((const char *const *)users, count, sb_buf_str(&body));
    sb_buf_free(&body);
    free(users);
    if (rc != 0) return sb_fail(err, sb_last_error());
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, "{\"sent_to\":");
    sb_buf_add_int(&out, (long long)count);
    sb_buf_add(&out, "}");
    return send_json(&out, err);
}

static int online(sb_span msg, sb_error *err) {
    char *user = sb_json_get_string(msg, "user");
    int on = user ? sb_is_online(user) : 0;
    free(user);
    if (on < 0) return sb_fail(err, sb_last_error());
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, on == 1 ? "{\"online\":true,\"user\":" : "{\"online\":false,\"user\":");
    add_field(&out, msg, "user");
    sb_buf_add(&out, "}");
    return send_json(&out, err);
}

static int store(sb_span msg, sb_error *err) {
    char *key = sb_json_get_string(msg, "key");
    char *value = sb_json_get_string(msg, "value");
    if (!key || !value) {
        free(key);
        free(value);
        return sb_fail(err, "key and value must be strings");
    }
    char *stored = NULL;
    int rc = sb_store_set(key, value);
    if (rc == 0) rc = sb_store_get(key, &stored) < 0 ? -1 : 0;
    free(key);
    free(value);
    if (rc != 0) return sb_fail(err, sb_last_error());
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, "{\"stored\":");
    if (stored) sb_buf_add_json_string(&out, stored);
    else sb_buf_add(&out, "null");
    sb_buf_add(&out, "}");
    free(stored);
    return send_json(&out, err);
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int members(sb_span msg, sb_error *err) {
    char *key = sb_json_get_string(msg, "key");
    if (!key) return sb_fail(err, "key must be a string");
    size_t count = 0;
    char **list = sb_store_set_members(key, &count);
    free(key);
    if (!list) return sb_fail(err, sb_last_error());
    qsort(list, count, sizeof *list, compare_strings);
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, "{\"members\":[");
    for (size_t i = 0; i < count; i++) {
        if (i) sb_buf_add_char(&out, ',');
        sb_buf_add_json_string(&out, list[i]);
    }
    sb_buf_add(&out, "]}");
    free(list);
    return send_json(&out, err);
}

/* Both calls must fail with the host's reason (a key over 256 bytes),
 * which the reply carries unchanged. */
static int store_error(sb_error *err) {
    char key[301];
    memset(key, 'k', 300);
    key[300] = '\0';
    char *value;
    if (sb_store_get(key, &value) >= 0) {
        free(value);
        return sb_fail(err, "get of a 300-byte key succeeded");
    }
    char *get_error = strdup(sb_last_error());
    if (!get_error) return sb_fail(err, "out of memory");
    size_t count;
    char **list = sb_store_set_members(key, &count);
    if (list) {
        free(list);
        free(get_error);
        return sb_fail(err, "set-members of a 300-byte key succeeded");
    }
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, "{\"get\":");
    sb_buf_add_json_string(&out, get_error);
    sb_buf_add(&out, ",\"members\":");
    sb_buf_add_json_string(&out, sb_last_error());
    sb_buf_add(&out, "}");
    free(get_error);
    return send_json(&out, err);
}

/* Queues a job and replies {"queued": <its id>}, or {"push_error":
 * <the host's reason>} when the push is refused. */
static int push(const char *queue, const char *payload, const sb_push_options *options,
                sb_error *err) {
    char *id = sb_queue_push(queue, payload, options);
    sb_buf out = SB_BUF_INIT;
    sb_buf_add(&out, id ? "{\"queued\":" : "{\"push_error\":");
    sb_buf_add_json_string(&out, id ? id : sb_last_error());
    sb_buf_add(&out, "}");
    free(id);
    return send_json(&out, err);
}

static int enqueue(sb_span msg, sb_error *err) {
    sb_buf payload = SB_BUF_INIT;
    add_field(&payload, msg, "payload");
    sb_push_options options = SB_PUSH_OPTIONS_INIT;
    char *key = sb_json_get_string(msg, "key");
    options.idempotency_key = key;
    sb_span delay;
    if (sb_json_field(msg, "delay_ms", &delay) && sb_json_kind(delay) == '0') {
        char text[32] = "";
        if (delay.len < sizeof text) memcpy(text, delay.ptr, delay.len);
        options.delay_ms = strtoull(text, NULL, 10);
    }
    int rc = payload.failed ? sb_fail(err, "out of memory") : push("work", sb_buf_str(&payload), &options, err);
    sb_buf_free(&payload);
    free(key);
    return rc;
}

static int enqueue_to(sb_span msg, sb_error *err) {
    char *queue = sb_json_get_string(msg, "queue");
    if (!queue) return sb_fail(err, "queue must be a string");
    int rc = push(queue, "{}", NULL, err);
    free(queue);
    return rc;
}

int handle(const sb_request *req, sb_error *err) {
    sb_span msg = sb_request_span(req);
    char *op = sb_json_get_string(msg, "op");
    int rc;
    if (!op) rc = sb_fail(err, "unknown op");
    else if (strcmp(op, "echo") == 0) rc = echo(req, msg, err);
    else if (strcmp(op, "send_to") == 0) rc = send_to(msg, err);
    else if (strcmp(op, "online") == 0) rc = online(msg, err);
    else if (strcmp(op, "fail") == 0) rc = sb_fail(err, "failed on purpose");
    else if (strcmp(op, "store") == 0) rc = store(msg, err);
    else if (strcmp(op, "members") == 0) rc = members(msg, err);
    else if (strcmp(op, "store_error") == 0) rc = store_error(err);
    else if (strcmp(op, "binary") == 0) {
        static const unsigned char bytes[] = {0, 1, 2, 255};
        rc = sb_send_binary(bytes, sizeof bytes);
    } else if (strcmp(op, "text") == 0) rc = sb_send_text("plain text");
    else if (strcmp(op, "enqueue") == 0) rc = enqueue(msg, err);
    else if (strcmp(op, "enqueue_to") == 0) rc = enqueue_to(msg, err);
    else rc = sb_fail(err, "unknown op");
    free(op);
    return rc;
}
