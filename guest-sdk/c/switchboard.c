/*
 * The glue between switchboard.h and the bindings wit-bindgen generates
 * for the component's world (c_guest.h). `build` compiles this file once
 * per component with one SB_EXPORT_* macro per exported interface and
 * SB_HAS_* for each optional entry point the author defined. With
 * SB_EXPORT_HTTP (an `api/` handler, whose world has wasi:http) it also
 * compiles sb_http.c, which shares this file's helpers. SB_EXPORT_JOB
 * and SB_EXPORT_SCHEDULE are the runners of handlers/queues/ and
 * handlers/schedules/.
 */
#include "switchboard.h"

#include <stdlib.h>
#include <string.h>

#include "c_guest.h"

/* Which helpers a component uses depends on its exports. */
#pragma clang diagnostic ignored "-Wunused-function"

typedef c_guest_string_t wit_string;

/* ------------------------------------------------------------------ */
/* Strings between C and the canonical ABI                            */

static char *dup_n(const void *bytes, size_t len) {
    char *copy = malloc(len + 1);
    if (!copy) abort();
    if (len) memcpy(copy, bytes, len);
    copy[len] = '\0';
    return copy;
}

static char *dup_str(const char *text) { return dup_n(text, strlen(text)); }

/* Borrows a C string as a WIT string (for import arguments). */
static wit_string borrow(const char *text) {
    wit_string s = {(uint8_t *)text, strlen(text)};
    return s;
}

/*
 * NUL-terminates a WIT string the component owns, in place: its buffer
 * grows by one byte and stays owned by `s`, so the generated *_free
 * functions still release it. Empty strings own no buffer.
 */
static const char *terminate(wit_string *s) {
    if (s->len == 0) return "";
    uint8_t *p = realloc(s->ptr, s->len + 1);
    if (!p) abort();
    p[s->len] = '\0';
    s->ptr = p;
    return (const char *)p;
}

/* Takes an owned WIT string as a malloc'ed C string. */
static char *take(wit_string *s) {
    if (s->len == 0) return dup_n("", 0);
    terminate(s);
    char *text = (char *)s->ptr;
    s->ptr = NULL;
    s->len = 0;
    return text;
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static char *last_error;

static void set_last_error(char *message) {
    free(last_error);
    last_error = message;
}

const char *sb_last_error(void) { return last_error ? last_error : ""; }

int sb_fail(sb_error *err, const char *message) {
    char *copy = dup_str(message ? message : "failed");
    free(err->message);
    err->message = copy;
    return -1;
}

/* Ends an entry point: 0 is ok, else fills `out` with the reason. */
static bool finish(int rc, sb_error *err, wit_string *out) {
    if (rc == 0) {
        free(err->message);
        return true;
    }
    char *message = err->message;
    if (!message) message = dup_str(last_error && *last_error ? last_error : "failed");
    out->ptr = (uint8_t *)message;
    out->len = strlen(message);
    return false;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

/* Pairs as C strings; the strings stay owned by `list`. */
static sb_pair *pairs(c_guest_list_tuple2_string_string_t *list) {
    sb_pair *out = malloc((list->len ? list->len : 1) * sizeof *out);
    if (!out) abort();
    for (size_t i = 0; i < list->len; i++) {
        out[i].name = terminate(&list->ptr[i].f0);
        out[i].value = terminate(&list->ptr[i].f1);
    }
    return out;
}

static const char *lookup(const sb_pair *list, size_t count, const char *name) {
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i].name, name) == 0) return list[i].value;
    return NULL;
}

#if defined(SB_EXPORT_HANDLER) || defined(SB_EXPORT_LOGGING)
static void data_view(switchboard_socket_types_data_t *data, sb_data_type *kind,
                      const char **bytes, size_t *len) {
    /* json, text and binary share one layout: pointer and length. */
    wit_string *s = &data->val.json;
    *kind = (sb_data_type)data->tag;
    *bytes = terminate(s);
    *len = s->len;
}

/* A view of `in`, which stays owned by the caller; free `out->params`. */
static void request_view(switchboard_socket_types_request_t *in, sb_request *out) {
    out->connection = terminate(&in->connection);
    out->request_id = terminate(&in->request_id);
    data_view(&in->data, &out->kind, &out->data, &out->data_len);
    out->user = NULL;
    out->claims = NULL;
    out->expires_at = 0;
    if (in->user.is_some) {
        out->user = terminate(&in->user.val.id);
        if (in->user.val.claims.is_some) out->claims = terminate(&in->user.val.claims.val);
        if (in->user.val.expires_at.is_some) out->expires_at = in->user.val.expires_at.val;
    }
    out->params = pairs(&in->params);
    out->param_count = in->params.len;
}
#endif

const char *sb_param(const sb_request *req, const char *name) {
    return lookup(req->params, req->param_count, name);
}

/* ------------------------------------------------------------------ */
/* Socket                                                              */

static bool make_data(sb_data_type kind, const void *bytes, size_t len,
                      switchboard_socket_types_data_t *data) {
    if (kind != SB_DATA_JSON && kind != SB_DATA_TEXT && kind != SB_DATA_BINARY) {
        set_last_error(dup_str("a message is JSON, text or binary"));
        return false;
    }
    data->tag = (uint8_t)kind;
    data->val.json.ptr = (uint8_t *)bytes;
    data->val.json.len = len;
    return true;
}

int sb_send(sb_data_type kind, const void *data, size_t len) {
    switchboard_socket_types_data_t message;
    wit_string err;
    if (!make_data(kind, data, len, &message)) return -1;
    if (switchboard_socket_socket_send(&message, &err)) return 0;
    set_last_error(take(&err));
    return -1;
}

int sb_send_json(const char *json) { return sb_send(SB_DATA_JSON, json, strlen(json)); }
int sb_send_text(const char *text) { return sb_send(SB_DATA_TEXT, text, strlen(text)); }
int sb_send_binary(const void *bytes, size_t len) { return sb_send(SB_DATA_BINARY, bytes, len); }

int sb_send_to(const char *const *users, size_t user_count, sb_data_type kind, const void *data,
               size_t len) {
    switchboard_socket_types_data_t message;
    wit_string err;
    if (!make_data(kind, data, len, &message)) return -1;
    c_guest_list_string_t list = {malloc((user_count ? user_count : 1) * sizeof(wit_string)),
                                  user_count};
    if (!list.ptr) abort();
    for (size_t i = 0; i < user_count; i++) list.ptr[i] = borrow(users[i]);
    bool ok = switchboard_socket_socket_send_to(&list, &message, &err);
    free(list.ptr);
    if (ok) return 0;
    set_last_error(take(&err));
    return -1;
}

int sb_send_to_json(const char *const *users, size_t user_count, const char *json) {
    return sb_send_to(users, user_count, SB_DATA_JSON, json, strlen(json));
}
int sb_send_to_text(const char *const *users, size_t user_count, const char *text) {
    return sb_send_to(users, user_count, SB_DATA_TEXT, text, strlen(text));
}
int sb_send_to_binary(const char *const *users, size_t user_count, const void *bytes, size_t len) {
    return sb_send_to(users, user_count, SB_DATA_BINARY, bytes, len);
}

/* Ends a host call: the reason of a failure into sb_last_error(). */
static int failed(wit_string *err) {
    set_last_error(take(err));
    return -1;
}

int sb_is_online(const char *user) {
    wit_string u = borrow(user), err;
    bool online;
    if (switchboard_socket_socket_is_online(&u, &online, &err)) return online ? 1 : 0;
    return failed(&err);
}

/* ------------------------------------------------------------------ */
/* Store                                                               */

int sb_store_get(const char *key, char **value) {
    wit_string k = borrow(key), err;
    c_guest_option_string_t found;
    *value = NULL;
    if (!switchboard_socket_store_get(&k, &found, &err)) return failed(&err);
    if (!found.is_some) return 0;
    *value = take(&found.val);
    return 1;
}

int sb_store_set(const char *key, const char *value) {
    wit_string k = borrow(key), v = borrow(value), err;
    if (switchboard_socket_store_set(&k, &v, &err)) return 0;
    return failed(&err);
}

int sb_store_delete(const char *key) {
    wit_string k = borrow(key), err;
    bool existed;
    if (switchboard_socket_store_delete(&k, &existed, &err)) return existed ? 1 : 0;
    return failed(&err);
}

int sb_store_set_add(const char *key, const char *member) {
    wit_string k = borrow(key), m = borrow(member), err;
    bool added;
    if (switchboard_socket_store_set_add(&k, &m, &added, &err)) return added ? 1 : 0;
    return failed(&err);
}

int sb_store_set_remove(const char *key, const char *member) {
    wit_string k = borrow(key), m = borrow(member), err;
    bool removed;
    if (switchboard_socket_store_set_remove(&k, &m, &removed, &err)) return removed ? 1 : 0;
    return failed(&err);
}

char **sb_store_set_members(const char *key, size_t *count) {
    wit_string k = borrow(key), err;
    c_guest_list_string_t list;
    if (count) *count = 0;
    if (!switchboard_socket_store_set_members(&k, &list, &err)) {
        failed(&err);
        return NULL;
    }
    size_t bytes = (list.len + 1) * sizeof(char *);
    for (size_t i = 0; i < list.len; i++) bytes += list.ptr[i].len + 1;
    char **out = malloc(bytes);
    if (out) {
        char *text = (char *)(out + list.len + 1);
        for (size_t i = 0; i < list.len; i++) {
            out[i] = text;
            if (list.ptr[i].len) memcpy(text, list.ptr[i].ptr, list.ptr[i].len);
            text[list.ptr[i].len] = '\0';
            text += list.ptr[i].len + 1;
        }
        out[list.len] = NULL;
        if (count) *count = list.len;
    } else {
        set_last_error(dup_str("out of memory"));
    }
    c_guest_list_string_free(&list);
    return out;
}

/* ------------------------------------------------------------------ */
/* HTTP requests                                                       */

const char *sb_query_param(const sb_http_request *req, const char *name) {
    return lookup(req->query_params, req->query_param_count, name);
}

const char *sb_cookie(const sb_http_request *req, const char *name) {
    return lookup(req->cookies, req->cookie_count, name);
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

const char *sb_header(const sb_http_request *req, const char *name) {
    for (size_t i = 0; i < req->header_count; i++) {
        const char *a = req->headers[i].name, *b = name;
        while (*a && lower((unsigned char)*a) == lower((unsigned char)*b)) a++, b++;
        if (!*a && !*b) return req->headers[i].value;
    }
    return NULL;
}

const char *sb_bearer_token(const sb_http_request *req) {
    const char *value = sb_header(req, "authorization");
    if (!value) return NULL;
    static const char scheme[] = "bearer ";
    for (size_t i = 0; i < sizeof scheme - 1; i++)
        if (lower((unsigned char)value[i]) != scheme[i]) return NULL;
    value += sizeof scheme - 1;
    while (*value == ' ') value++;
    return *value ? value : NULL;
}

int sb_set_user(sb_user *user, const char *id, const char *claims) {
    free(user->id);
    free(user->claims);
    user->id = dup_str(id);
    user->claims = claims ? dup_str(claims) : NULL;
    return 0;
}

void sb_set_user_expiry(sb_user *user, uint64_t unix_seconds) {
    user->expires_at = unix_seconds;
}

/* ------------------------------------------------------------------ */
/* Call context                                                        */

/* Asked for once per call; call_begin forgets them. */
static bool user_known, params_known;
static switchboard_socket_types_user_t caller;
static sb_user caller_view;
static c_guest_list_tuple2_string_string_t route_params;
static sb_pair *route_param_view;

/*
 * Starts an entry point's call. A warm instance (SB_INSTANCES_WARM) runs
 * many calls, for different users, so nothing the SDK remembered for the
 * last one (its caller, its params, its last error) may reach this one.
 */
static void call_begin(void) {
    set_last_error(NULL);
    if (user_known) {
        if (caller_view.id) switchboard_socket_types_user_free(&caller);
        memset(&caller, 0, sizeof caller);
        memset(&caller_view, 0, sizeof caller_view);
        user_known = false;
    }
    if (params_known) {
        c_guest_list_tuple2_string_string_free(&route_params);
        memset(&route_params, 0, sizeof route_params);
        free(route_param_view);
        route_param_view = NULL;
        params_known = false;
    }
}

const sb_user *sb_context_user(void) {
    if (!user_known) {
        user_known = true;
        /* The user record, whatever name context gives its alias. */
        if (switchboard_socket_context_user(&caller)) {
            caller_view.id = (char *)terminate(&caller.id);
            caller_view.claims =
                caller.claims.is_some ? (char *)terminate(&caller.claims.val) : NULL;
            caller_view.expires_at = caller.expires_at.is_some ? caller.expires_at.val : 0;
        }
    }
    return caller_view.id ? &caller_view : NULL;
}

const sb_pair *sb_context_params(size_t *count) {
    if (!params_known) {
        params_known = true;
        switchboard_socket_context_params(&route_params);
        route_param_view = pairs(&route_params);
    }
    if (count) *count = route_params.len;
    return route_param_view;
}

const char *sb_context_param(const char *name) {
    size_t count;
    const sb_pair *params = sb_context_params(&count);
    return lookup(params, count, name);
}

uint32_t sb_context_attempt(void) {
    uint32_t attempt;
    return switchboard_socket_context_attempt(&attempt) ? attempt : 0;
}

/* ------------------------------------------------------------------ */
/* Queue                                                               */

char *sb_queue_push(const char *queue, const char *payload_json, const sb_push_options *options) {
    wit_string q = borrow(queue), payload = borrow(payload_json), id, err;
    switchboard_socket_queue_push_options_t opts;
    opts.delay_ms.is_some = options && options->delay_ms != 0;
    opts.delay_ms.val = options ? options->delay_ms : 0;
    opts.idempotency_key.is_some = options && options->idempotency_key;
    if (opts.idempotency_key.is_some) opts.idempotency_key.val = borrow(options->idempotency_key);
    if (!switchboard_socket_queue_push(&q, &payload, &opts, &id, &err)) {
        failed(&err);
        return NULL;
    }
    return take(&id);
}

#ifdef SB_EXPORT_HTTP
#include "sb_http.c"
#else
int sb_http_fetch(const char *method, const char *url, const sb_pair *headers, size_t header_count,
                  const void *body, size_t body_len, sb_http_result *out) {
    (void)method, (void)url, (void)headers, (void)header_count, (void)body, (void)body_len;
    memset(out, 0, sizeof *out);
    set_last_error(dup_str("outbound HTTP works in api/ handlers only (handlers/api/, built "
                           "with `build --http`)"));
    return -1;
}
#endif

const char *sb_http_result_header(const sb_http_result *result, const char *name) {
    sb_http_request view = {0};
    view.headers = result->headers;
    view.header_count = result->header_count;
    return sb_header(&view, name);
}

void sb_http_result_free(sb_http_result *result) {
    /* The headers are one allocation (see sb_http.c). */
    free(result->headers);
    free(result->body);
    memset(result, 0, sizeof *result);
}

/* ------------------------------------------------------------------ */
/* Exports                                                             */

#ifdef SB_EXPORT_HANDLER
#ifdef SB_HAS_CONFIG
extern const sb_config sb_handler_config;
#endif

/* SB_CONFIG and SB_WARM_CONFIG give these their own names; a value
 * outside them reaches the host as is, which refuses to load the
 * component ("unexpected discriminant"), as it should. */
void exports_switchboard_socket_handler_config(
    exports_switchboard_socket_handler_handler_config_t *ret) {
#ifdef SB_HAS_CONFIG
    ret->data_type = (switchboard_socket_types_data_type_t)sb_handler_config.data_type;
    ret->timeout_seconds.is_some = sb_handler_config.timeout_seconds != SB_DEFAULT_TIMEOUT;
    ret->timeout_seconds.val = sb_handler_config.timeout_seconds;
    ret->instances = (switchboard_socket_types_instances_t)sb_handler_config.instances;
#else
    ret->data_type = SWITCHBOARD_SOCKET_TYPES_DATA_TYPE_JSON;
    ret->timeout_seconds.is_some = false;
    ret->timeout_seconds.val = 0;
    ret->instances = SWITCHBOARD_SOCKET_TYPES_INSTANCES_FRESH;
#endif
}

bool exports_switchboard_socket_handler_handle(exports_switchboard_socket_handler_request_t *req,
                                               wit_string *out) {
    sb_request view;
    sb_error err = {NULL};
    call_begin();
    request_view(req, &view);
    int rc = handle(&view, &err);
    free((void *)view.params);
    exports_switchboard_socket_handler_request_free(req);
    return finish(rc, &err, out);
}
#endif

#ifdef SB_EXPORT_AUTHENTICATE
bool exports_switchboard_socket_authenticate_authenticate(
    exports_switchboard_socket_authenticate_http_request_t *req,
    exports_switchboard_socket_authenticate_option_user_t *ret, wit_string *out) {
    sb_http_request view;
    call_begin();
    view.method = terminate(&req->method);
    view.path = terminate(&req->path);
    view.query = terminate(&req->query);
    view.query_params = pairs(&req->query_params);
    view.query_param_count = req->query_params.len;
    view.headers = pairs(&req->headers);
    view.header_count = req->headers.len;
    view.cookies = pairs(&req->cookies);
    view.cookie_count = req->cookies.len;
    view.http.path_with_query = NULL;
    view.http.body = NULL;
    view.http.body_len = 0;
    sb_user user = {NULL, NULL, 0};
    sb_error err = {NULL};
    int rc = authenticate(&view, &user, &err);
    free((void *)view.query_params);
    free((void *)view.headers);
    free((void *)view.cookies);
    exports_switchboard_socket_authenticate_http_request_free(req);
    ret->is_some = false;
    if (rc == 0 && user.id) {
        ret->is_some = true;
        ret->val.id.ptr = (uint8_t *)user.id;
        ret->val.id.len = strlen(user.id);
        ret->val.claims.is_some = user.claims != NULL;
        if (user.claims) {
            ret->val.claims.val.ptr = (uint8_t *)user.claims;
            ret->val.claims.val.len = strlen(user.claims);
        }
        ret->val.expires_at.is_some = user.expires_at != 0;
        ret->val.expires_at.val = user.expires_at;
    } else {
        free(user.id);
        free(user.claims);
    }
    return finish(rc, &err, out);
}
#endif

#ifdef SB_EXPORT_PRESENCE
#ifndef SB_HAS_ON_ONLINE
int on_online(const char *user, sb_error *err) {
    (void)user, (void)err;
    return 0;
}
#endif
#ifndef SB_HAS_ON_OFFLINE
int on_offline(const char *user, sb_error *err) {
    (void)user, (void)err;
    return 0;
}
#endif

bool exports_switchboard_socket_presence_on_online(wit_string *user_id, wit_string *out) {
    sb_error err = {NULL};
    call_begin();
    int rc = on_online(terminate(user_id), &err);
    c_guest_string_free(user_id);
    return finish(rc, &err, out);
}

bool exports_switchboard_socket_presence_on_offline(wit_string *user_id, wit_string *out) {
    sb_error err = {NULL};
    call_begin();
    int rc = on_offline(terminate(user_id), &err);
    c_guest_string_free(user_id);
    return finish(rc, &err, out);
}
#endif

#ifdef SB_EXPORT_LOGGING
#ifdef SB_HAS_LOG_HOOKS
extern const sb_hook_modes sb_log_hooks;
#endif

void exports_switchboard_socket_logging_hooks(exports_switchboard_socket_logging_hook_modes_t *ret) {
#ifdef SB_HAS_LOG_HOOKS
    ret->message_received = (switchboard_socket_types_hook_mode_t)sb_log_hooks.message_received;
    ret->message_sent = (switchboard_socket_types_hook_mode_t)sb_log_hooks.message_sent;
    ret->error = (switchboard_socket_types_hook_mode_t)sb_log_hooks.error;
#else
#define SB_MODE(has) ((has) ? SWITCHBOARD_SOCKET_TYPES_HOOK_MODE_HANDLE : SWITCHBOARD_SOCKET_TYPES_HOOK_MODE_INHERIT)
#ifdef SB_HAS_ON_MESSAGE_RECEIVED
    ret->message_received = SB_MODE(1);
#else
    ret->message_received = SB_MODE(0);
#endif
#ifdef SB_HAS_ON_MESSAGES_SENT
    ret->message_sent = SB_MODE(1);
#else
    ret->message_sent = SB_MODE(0);
#endif
#ifdef SB_HAS_ON_ERROR
    ret->error = SB_MODE(1);
#else
    ret->error = SB_MODE(0);
#endif
#endif
}

void exports_switchboard_socket_logging_on_message_received(
    exports_switchboard_socket_logging_request_t *req) {
    call_begin();
#ifdef SB_HAS_ON_MESSAGE_RECEIVED
    sb_request view;
    request_view(req, &view);
    on_message_received(&view);
    free((void *)view.params);
#endif
    exports_switchboard_socket_logging_request_free(req);
}

/* One call for everything a call sent, as the host batches it. */
void exports_switchboard_socket_logging_on_messages_sent(
    exports_switchboard_socket_logging_list_sent_message_t *messages) {
    call_begin();
#ifdef SB_HAS_ON_MESSAGES_SENT
    size_t count = messages->len;
    sb_sent_message *views = malloc((count ? count : 1) * sizeof *views);
    if (!views) abort();
    for (size_t i = 0; i < count; i++) {
        exports_switchboard_socket_logging_sent_message_t *message = &messages->ptr[i];
        views[i].connection =
            message->connection.is_some ? terminate(&message->connection.val) : NULL;
        views[i].user = message->user.is_some ? terminate(&message->user.val) : NULL;
        data_view(&message->data, &views[i].kind, &views[i].data, &views[i].data_len);
    }
    if (count) on_messages_sent(views, count);
    free(views);
#endif
    exports_switchboard_socket_logging_list_sent_message_free(messages);
}

void exports_switchboard_socket_logging_on_error(wit_string *error,
                                                 exports_switchboard_socket_logging_request_t *req) {
    call_begin();
#ifdef SB_HAS_ON_ERROR
    sb_request view;
    if (req) request_view(req, &view);
    on_error(terminate(error), req ? &view : NULL);
    if (req) free((void *)view.params);
#endif
    c_guest_string_free(error);
    if (req) exports_switchboard_socket_logging_request_free(req);
}
#endif

#ifdef SB_EXPORT_JOB
#ifdef SB_HAS_QUEUE_CONFIG
extern const sb_queue_config sb_declared_queue_config;
#endif

static void some_u32(c_guest_option_u32_t *out, uint32_t value) {
    out->is_some = value != 0;
    out->val = value;
}

void exports_switchboard_socket_job_config(exports_switchboard_socket_job_queue_config_t *ret) {
#ifdef SB_HAS_QUEUE_CONFIG
    some_u32(&ret->concurrency, sb_declared_queue_config.concurrency);
    some_u32(&ret->max_attempts, sb_declared_queue_config.max_attempts);
    some_u32(&ret->timeout_seconds, sb_declared_queue_config.timeout_seconds);
#else
    some_u32(&ret->concurrency, 0);
    some_u32(&ret->max_attempts, 0);
    some_u32(&ret->timeout_seconds, 0);
#endif
}

bool exports_switchboard_socket_job_run(exports_switchboard_socket_job_job_t *job, wit_string *out) {
    sb_job view;
    sb_user user = {NULL, NULL, 0};
    call_begin();
    view.id = terminate(&job->id);
    view.payload = terminate(&job->payload);
    view.payload_len = job->payload.len;
    view.user = NULL;
    if (job->user.is_some) {
        user.id = (char *)terminate(&job->user.val.id);
        user.claims = job->user.val.claims.is_some ? (char *)terminate(&job->user.val.claims.val) : NULL;
        user.expires_at = job->user.val.expires_at.is_some ? job->user.val.expires_at.val : 0;
        view.user = &user;
    }
    view.attempt = job->attempt;
    sb_error err = {NULL};
    int rc = run_job(&view, &err);
    exports_switchboard_socket_job_job_free(job);
    return finish(rc, &err, out);
}
#endif

#ifdef SB_EXPORT_SCHEDULE
/* The build refuses a schedule without SB_SCHEDULE_CONFIG. */
extern const sb_schedule_config sb_declared_schedule_config;

/* Strings of a returned record are the component's, freed after return. */
static wit_string owned_copy(const char *text) {
    wit_string s = {NULL, 0};
    if (text && *text) {
        s.len = strlen(text);
        s.ptr = (uint8_t *)dup_n(text, s.len);
    }
    return s;
}

void exports_switchboard_socket_schedule_config(
    exports_switchboard_socket_schedule_schedule_config_t *ret) {
    const sb_schedule_config *config = &sb_declared_schedule_config;
    ret->cron = owned_copy(config->cron);
    ret->timezone.is_some = config->timezone != NULL;
    if (config->timezone) ret->timezone.val = owned_copy(config->timezone);
    ret->timeout_seconds.is_some = config->timeout_seconds != 0;
    ret->timeout_seconds.val = config->timeout_seconds;
}

bool exports_switchboard_socket_schedule_run(exports_switchboard_socket_schedule_tick_t *tick,
                                             wit_string *out) {
    sb_tick view = {tick->scheduled_at, tick->catch_up};
    sb_error err = {NULL};
    call_begin();
    int rc = run_schedule(&view, &err);
    return finish(rc, &err, out);
}
#endif
