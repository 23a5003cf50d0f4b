/*
 * Native tests of the SDK's host calls (switchboard.c): how each one maps
 * the host's ok and err results to return values and sb_last_error().
 * switchboard.c is compiled against the c_guest.h that wit-bindgen
 * generates from wit/socket.wit (so the signatures are the real ones),
 * and the host's imports are the fakes below. `run` builds and runs it.
 */
#include "switchboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c_guest.h"

#include "check.h"

/* ------------------------------------------------------------------ */
/* The fake host: one value, one set, and a reason to refuse with.     */

static const char *refuse; /* when set, every call fails with it */
static char *value;        /* the one key's value, or NULL */
static const char *members[4];
static size_t member_count;
static size_t last_key_len; /* length of the key the last call got */

/* An owned WIT string, as the canonical ABI hands results to a guest. */
static c_guest_string_t owned(const char *text) {
    size_t len = strlen(text);
    c_guest_string_t s = {NULL, len};
    if (len) {
        s.ptr = malloc(len);
        if (!s.ptr) abort();
        memcpy(s.ptr, text, len);
    }
    return s;
}

static bool refused(c_guest_string_t *err) {
    if (!refuse) return false;
    *err = owned(refuse);
    return true;
}

static char *text_of(const c_guest_string_t *s) {
    char *text = malloc(s->len + 1);
    if (!text) abort();
    memcpy(text, s->ptr, s->len);
    text[s->len] = '\0';
    return text;
}

static bool is_member(const c_guest_string_t *m, size_t *at) {
    for (size_t i = 0; i < member_count; i++) {
        if (strlen(members[i]) == m->len && memcmp(members[i], m->ptr, m->len) == 0) {
            if (at) *at = i;
            return true;
        }
    }
    return false;
}

bool switchboard_socket_socket_send(switchboard_socket_socket_data_t *message,
                                    c_guest_string_t *err) {
    (void)message;
    return !refused(err);
}

bool switchboard_socket_socket_send_to(c_guest_list_string_t *users,
                                       switchboard_socket_socket_data_t *message,
                                       c_guest_string_t *err) {
    (void)users, (void)message;
    return !refused(err);
}

bool switchboard_socket_socket_is_online(c_guest_string_t *user, bool *ret,
                                         c_guest_string_t *err) {
    if (refused(err)) return false;
    *ret = user->len == 3 && memcmp(user->ptr, "ann", 3) == 0;
    return true;
}

bool switchboard_socket_store_get(c_guest_string_t *key, c_guest_option_string_t *ret,
                                  c_guest_string_t *err) {
    last_key_len = key->len;
    if (refused(err)) return false;
    ret->is_some = value != NULL;
    if (value) ret->val = owned(value);
    return true;
}

bool switchboard_socket_store_set(c_guest_string_t *key, c_guest_string_t *v,
                                  c_guest_string_t *err) {
    last_key_len = key->len;
    if (refused(err)) return false;
    free(value);
    value = text_of(v);
    return true;
}

bool switchboard_socket_store_delete(c_guest_string_t *key, bool *ret, c_guest_string_t *err) {
    last_key_len = key->len;
    if (refused(err)) return false;
    *ret = value != NULL;
    free(value);
    value = NULL;
    return true;
}

bool switchboard_socket_store_set_add(c_guest_string_t *key, c_guest_string_t *member, bool *ret,
                                      c_guest_string_t *err) {
    last_key_len = key->len;
    if (refused(err)) return false;
    *ret = !is_member(member, NULL);
    if (*ret) members[member_count++] = text_of(member);
    return true;
}

bool switchboard_socket_store_set_remove(c_guest_string_t *key, c_guest_string_t *member,
                                         bool *ret, c_guest_string_t *err) {
    last_key_len = key->len;
    if (refused(err)) return false;
    size_t at;
    *ret = is_member(member, &at);
    if (*ret) {
        free((void *)members[at]);
        members[at] = members[--member_count];
    }
    return true;
}

bool switchboard_socket_store_set_members(c_guest_string_t *key, c_guest_list_string_t *ret,
                                          c_guest_string_t *err) {
    last_key_len = key->len;
    if (refused(err)) return false;
    ret->len = member_count;
    ret->ptr = malloc((member_count ? member_count : 1) * sizeof *ret->ptr);
    if (!ret->ptr) abort();
    for (size_t i = 0; i < member_count; i++) ret->ptr[i] = owned(members[i]);
    return true;
}

void c_guest_list_string_free(c_guest_list_string_t *list) {
    for (size_t i = 0; i < list->len; i++) free(list->ptr[i].ptr);
    free(list->ptr);
    list->ptr = NULL;
    list->len = 0;
}

/* What the generated bindings free, for the glue of the exports. */
static int sent_lists_freed; /* how many sent-message lists the glue freed */

void c_guest_string_free(c_guest_string_t *s) {
    free(s->ptr);
    s->ptr = NULL;
    s->len = 0;
}

void switchboard_socket_types_user_free(switchboard_socket_types_user_t *user) {
    c_guest_string_free(&user->id);
    if (user->claims.is_some) c_guest_string_free(&user->claims.val);
}

void c_guest_list_tuple2_string_string_free(c_guest_list_tuple2_string_string_t *list) {
    for (size_t i = 0; i < list->len; i++) {
        c_guest_string_free(&list->ptr[i].f0);
        c_guest_string_free(&list->ptr[i].f1);
    }
    free(list->ptr);
}

static void data_free(switchboard_socket_types_data_t *data) {
    c_guest_string_free(&data->val.json); /* json, text, binary: one layout */
}

static void request_free(switchboard_socket_types_request_t *req) {
    c_guest_string_free(&req->connection);
    c_guest_string_free(&req->request_id);
    data_free(&req->data);
    if (req->user.is_some) {
        c_guest_string_free(&req->user.val.id);
        if (req->user.val.claims.is_some) c_guest_string_free(&req->user.val.claims.val);
    }
    for (size_t i = 0; i < req->params.len; i++) {
        c_guest_string_free(&req->params.ptr[i].f0);
        c_guest_string_free(&req->params.ptr[i].f1);
    }
    free(req->params.ptr);
}

void exports_switchboard_socket_handler_request_free(exports_switchboard_socket_handler_request_t *req) {
    request_free(req);
}

void exports_switchboard_socket_logging_request_free(exports_switchboard_socket_logging_request_t *req) {
    request_free(req);
}

void exports_switchboard_socket_logging_list_sent_message_free(
    exports_switchboard_socket_logging_list_sent_message_t *list) {
    sent_lists_freed++;
    for (size_t i = 0; i < list->len; i++) {
        if (list->ptr[i].connection.is_some) c_guest_string_free(&list->ptr[i].connection.val);
        if (list->ptr[i].user.is_some) c_guest_string_free(&list->ptr[i].user.val);
        data_free(&list->ptr[i].data);
    }
    free(list->ptr);
}

/* The call context: the user `context_user` (ann) with claims, or
 * anonymous when NULL; one route param. */
static int context_calls;
static const char *context_user = "ann";

bool switchboard_socket_context_user(switchboard_socket_types_user_t *ret) {
    context_calls++;
    if (!context_user) return false;
    ret->id = owned(context_user);
    ret->claims.is_some = true;
    ret->claims.val = owned("{\"role\":\"admin\"}");
    ret->expires_at.is_some = true;
    ret->expires_at.val = 1700000000;
    return true;
}

void switchboard_socket_context_params(c_guest_list_tuple2_string_string_t *ret) {
    context_calls++;
    ret->len = 1;
    ret->ptr = malloc(sizeof *ret->ptr);
    if (!ret->ptr) abort();
    ret->ptr[0].f0 = owned("room");
    ret->ptr[0].f1 = owned("r1");
}

/* The queue: remembers the last push; the attempt is 0 for none. */
static uint32_t attempt;
static char *pushed_queue, *pushed_payload, *pushed_key;
static bool pushed_delay;
static uint64_t pushed_delay_ms;

bool switchboard_socket_context_attempt(uint32_t *ret) {
    *ret = attempt;
    return attempt != 0;
}

bool switchboard_socket_queue_push(c_guest_string_t *queue, c_guest_string_t *payload,
                                   switchboard_socket_queue_push_options_t *options,
                                   c_guest_string_t *ret, c_guest_string_t *err) {
    if (refused(err)) return false;
    free(pushed_queue);
    free(pushed_payload);
    free(pushed_key);
    pushed_queue = text_of(queue);
    pushed_payload = text_of(payload);
    pushed_key = options->idempotency_key.is_some ? text_of(&options->idempotency_key.val) : NULL;
    pushed_delay = options->delay_ms.is_some;
    pushed_delay_ms = options->delay_ms.val;
    *ret = owned("job-1");
    return true;
}

/* The exports of a handler, logging, a job and a schedule, as the glue
 * calls them. */
SB_WARM_CONFIG(SB_DATA_TEXT, 7);

static char *copy_of(const char *text) {
    char *copy = malloc(strlen(text) + 1);
    if (!copy) abort();
    strcpy(copy, text);
    return copy;
}

/* What `handle` saw of the context, and what it should do. */
static char *seen_context_user; /* "-" for anonymous */
static bool handle_fails;       /* return -1 without sb_fail */

int handle(const sb_request *req, sb_error *err) {
    (void)req, (void)err;
    const sb_user *user = sb_context_user();
    free(seen_context_user);
    seen_context_user = copy_of(user ? user->id : "-");
    return handle_fails ? -1 : 0;
}

/* What on_messages_sent saw: its calls, and the last batch as text,
 * one "connection|user|kind|data" line per message. */
static int sent_calls;
static size_t sent_count;
static char *sent_text;

void on_messages_sent(const sb_sent_message *messages, size_t count) {
    sent_calls++;
    sent_count = count;
    sb_buf text = SB_BUF_INIT;
    for (size_t i = 0; i < count; i++) {
        sb_buf_add(&text, messages[i].connection ? messages[i].connection : "-");
        sb_buf_add_char(&text, '|');
        sb_buf_add(&text, messages[i].user ? messages[i].user : "-");
        sb_buf_add_char(&text, '|');
        sb_buf_add_int(&text, messages[i].kind);
        sb_buf_add_char(&text, '|');
        sb_buf_add_n(&text, messages[i].data, messages[i].data_len);
        sb_buf_add_char(&text, '\n');
    }
    free(sent_text);
    sent_text = copy_of(sb_buf_str(&text));
    sb_buf_free(&text);
}

SB_QUEUE_CONFIG(0, 3, 30);
SB_SCHEDULE_CONFIG("*/5 * * * *", "Europe/Paris", 0);

static sb_job seen_job;
static char *seen_job_text; /* id, payload, user id, claims, joined by '|' */
static sb_tick seen_tick;

int run_job(const sb_job *job, sb_error *err) {
    seen_job = *job;
    free(seen_job_text);
    sb_buf text = SB_BUF_INIT;
    sb_buf_add(&text, job->id);
    sb_buf_add_char(&text, '|');
    sb_buf_add_n(&text, job->payload, job->payload_len);
    sb_buf_add_char(&text, '|');
    sb_buf_add(&text, job->user ? job->user->id : "-");
    sb_buf_add_char(&text, '|');
    sb_buf_add(&text, job->user && job->user->claims ? job->user->claims : "-");
    seen_job_text = text.data;
    if (job->attempt < 2) return sb_fail(err, "attempt 1 failed");
    return 0;
}

int run_schedule(const sb_tick *tick, sb_error *err) {
    seen_tick = *tick;
    if (tick->catch_up) return sb_fail(err, "no catching up");
    return 0;
}

void exports_switchboard_socket_job_job_free(exports_switchboard_socket_job_job_t *job) {
    free(job->id.ptr);
    free(job->payload.ptr);
    if (job->user.is_some) {
        free(job->user.val.id.ptr);
        if (job->user.val.claims.is_some) free(job->user.val.claims.val.ptr);
    }
}

/* ------------------------------------------------------------------ */

static void test_queue(void) {
    refuse = NULL;
    char *id = sb_queue_push("work", "{\"n\":1}", NULL);
    CHECK(str_is(id, "job-1"));
    free(id);
    CHECK(str_is(pushed_queue, "work") && str_is(pushed_payload, "{\"n\":1}"));
    CHECK(pushed_key == NULL && !pushed_delay);
    sb_push_options options = SB_PUSH_OPTIONS_INIT;
    options.delay_ms = 1500;
    options.idempotency_key = "k1";
    id = sb_queue_push("work", "null", &options);
    free(id);
    CHECK(str_is(pushed_key, "k1") && pushed_delay && pushed_delay_ms == 1500);
    refuse = "unknown queue `nope`";
    CHECK(sb_queue_push("nope", "{}", NULL) == NULL);
    CHECK(str_is(sb_last_error(), "unknown queue `nope`"));
    refuse = NULL;

    CHECK(sb_context_attempt() == 0);
    attempt = 2;
    CHECK(sb_context_attempt() == 2);
    attempt = 0;
}

static void test_job_exports(void) {
    exports_switchboard_socket_job_queue_config_t config;
    exports_switchboard_socket_job_config(&config);
    CHECK(!config.concurrency.is_some);
    CHECK(config.max_attempts.is_some && config.max_attempts.val == 3);
    CHECK(config.timeout_seconds.is_some && config.timeout_seconds.val == 30);

    exports_switchboard_socket_job_job_t job;
    job.id = owned("j1");
    job.payload = owned("{\"tag\":\"x\"}");
    job.user.is_some = true;
    job.user.val.id = owned("ann");
    job.user.val.claims.is_some = true;
    job.user.val.claims.val = owned("{}");
    job.user.val.expires_at.is_some = false;
    job.attempt = 1;
    c_guest_string_t err = {NULL, 0};
    CHECK(!exports_switchboard_socket_job_run(&job, &err));
    CHECK(err.len == strlen("attempt 1 failed") && memcmp(err.ptr, "attempt 1 failed", err.len) == 0);
    free(err.ptr);
    CHECK(str_is(seen_job_text, "j1|{\"tag\":\"x\"}|ann|{}"));
    CHECK(seen_job.payload_len == 11);

    job.id = owned("j2");
    job.payload = owned("7");
    job.user.is_some = false;
    job.attempt = 2;
    CHECK(exports_switchboard_socket_job_run(&job, &err));
    CHECK(str_is(seen_job_text, "j2|7|-|-"));
    CHECK(seen_job.attempt == 2 && seen_job.user == NULL);
}

static void test_schedule_exports(void) {
    exports_switchboard_socket_schedule_schedule_config_t config;
    exports_switchboard_socket_schedule_config(&config);
    CHECK(config.cron.len == 11 && memcmp(config.cron.ptr, "*/5 * * * *", 11) == 0);
    CHECK(config.timezone.is_some && config.timezone.val.len == 12 &&
          memcmp(config.timezone.val.ptr, "Europe/Paris", 12) == 0);
    CHECK(!config.timeout_seconds.is_some);
    /* The strings are the component's own, freed after the call. */
    CHECK(config.cron.ptr != (const uint8_t *)sb_declared_schedule_config.cron);
    free(config.cron.ptr);
    free(config.timezone.val.ptr);

    exports_switchboard_socket_schedule_tick_t tick = {1700000000123ull, false};
    c_guest_string_t err = {NULL, 0};
    CHECK(exports_switchboard_socket_schedule_run(&tick, &err));
    CHECK(seen_tick.scheduled_at == 1700000000123ull && !seen_tick.catch_up);
    tick.catch_up = true;
    CHECK(!exports_switchboard_socket_schedule_run(&tick, &err));
    CHECK(err.len == strlen("no catching up"));
    free(err.ptr);
}

static exports_switchboard_socket_handler_request_t a_request(void) {
    exports_switchboard_socket_handler_request_t req;
    memset(&req, 0, sizeof req);
    req.connection = owned("c1");
    req.request_id = owned("r1");
    req.data.tag = SWITCHBOARD_SOCKET_TYPES_DATA_TEXT;
    req.data.val.text = owned("hi");
    return req;
}

static void test_handler_config(void) {
    exports_switchboard_socket_handler_handler_config_t config;
    memset(&config, 0xff, sizeof config);
    exports_switchboard_socket_handler_config(&config);
    CHECK(config.data_type == SWITCHBOARD_SOCKET_TYPES_DATA_TYPE_TEXT);
    CHECK(config.timeout_seconds.is_some && config.timeout_seconds.val == 7);
    CHECK(config.instances == SWITCHBOARD_SOCKET_TYPES_INSTANCES_WARM);
    /* The C enum and the WIT enum agree, and SB_CONFIG stays fresh. */
    CHECK(SB_INSTANCES_FRESH == SWITCHBOARD_SOCKET_TYPES_INSTANCES_FRESH);
    CHECK(SB_INSTANCES_WARM == SWITCHBOARD_SOCKET_TYPES_INSTANCES_WARM);
    SB_CONFIG(SB_DATA_JSON, 5);
    CHECK(sb_handler_config.instances == SB_INSTANCES_FRESH && sb_handler_config.timeout_seconds == 5);
    /* A config spelled out before `instances` existed still means fresh. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
    const sb_config two_fields = {SB_DATA_FRAME, 0};
#pragma GCC diagnostic pop
    CHECK(two_fields.instances == SB_INSTANCES_FRESH);
}

/* A warm instance runs call after call: each one asks the host for its
 * own context and starts with no last error. */
static void test_calls_forget_the_last_one(void) {
    c_guest_string_t err = {NULL, 0};
    context_user = "ann";
    exports_switchboard_socket_handler_request_t req = a_request();
    int calls = context_calls;
    CHECK(exports_switchboard_socket_handler_handle(&req, &err));
    CHECK(str_is(seen_context_user, "ann"));
    CHECK(context_calls == calls + 1);

    context_user = "bob";
    req = a_request();
    CHECK(exports_switchboard_socket_handler_handle(&req, &err));
    CHECK(str_is(seen_context_user, "bob"));
    CHECK(context_calls == calls + 2);

    context_user = NULL;
    req = a_request();
    CHECK(exports_switchboard_socket_handler_handle(&req, &err));
    CHECK(str_is(seen_context_user, "-"));

    /* A failure left by one call is not the next call's reason. */
    context_user = "ann";
    refuse = "ann's secret reason";
    CHECK(sb_store_delete("k") == -1);
    refuse = NULL;
    handle_fails = true;
    req = a_request();
    CHECK(!exports_switchboard_socket_handler_handle(&req, &err));
    CHECK(err.len == 6 && memcmp(err.ptr, "failed", 6) == 0);
    free(err.ptr);
    handle_fails = false;
    CHECK(str_is(sb_last_error(), ""));
}

static exports_switchboard_socket_logging_sent_message_t sent(const char *connection,
                                                             const char *user, uint8_t tag,
                                                             const char *data) {
    exports_switchboard_socket_logging_sent_message_t m;
    memset(&m, 0, sizeof m);
    m.connection.is_some = connection != NULL;
    if (connection) m.connection.val = owned(connection);
    m.user.is_some = user != NULL;
    if (user) m.user.val = owned(user);
    m.data.tag = tag;
    m.data.val.json = owned(data);
    return m;
}

static void test_messages_sent(void) {
    exports_switchboard_socket_logging_hook_modes_t modes;
    exports_switchboard_socket_logging_hooks(&modes);
    CHECK(modes.message_received == SWITCHBOARD_SOCKET_TYPES_HOOK_MODE_INHERIT);
    CHECK(modes.message_sent == SWITCHBOARD_SOCKET_TYPES_HOOK_MODE_HANDLE);
    CHECK(modes.error == SWITCHBOARD_SOCKET_TYPES_HOOK_MODE_INHERIT);

    exports_switchboard_socket_logging_list_sent_message_t list;
    list.len = 3;
    list.ptr = malloc(3 * sizeof *list.ptr);
    if (!list.ptr) abort();
    list.ptr[0] = sent("c1", NULL, SWITCHBOARD_SOCKET_TYPES_DATA_JSON, "{\"n\":1}");
    list.ptr[1] = sent(NULL, "ann", SWITCHBOARD_SOCKET_TYPES_DATA_TEXT, "hi");
    list.ptr[2] = sent(NULL, "bob", SWITCHBOARD_SOCKET_TYPES_DATA_BINARY, "");
    exports_switchboard_socket_logging_on_messages_sent(&list);
    CHECK(sent_calls == 1 && sent_count == 3);
    CHECK(str_is(sent_text, "c1|-|0|{\"n\":1}\n-|ann|1|hi\n-|bob|2|\n"));
    CHECK(sent_lists_freed == 1);

    /* An empty batch (the host sends none) does not reach the hook. */
    list.len = 0;
    list.ptr = NULL;
    exports_switchboard_socket_logging_on_messages_sent(&list);
    CHECK(sent_calls == 1 && sent_lists_freed == 2);
}

static void test_context(void) {
    const sb_user *user = sb_context_user();
    CHECK(user != NULL);
    CHECK(user && str_is(user->id, "ann") && str_is(user->claims, "{\"role\":\"admin\"}"));
    CHECK(user && user->expires_at == 1700000000);
    size_t count = 0;
    const sb_pair *params = sb_context_params(&count);
    CHECK(count == 1 && str_is(params[0].name, "room") && str_is(params[0].value, "r1"));
    CHECK(str_is(sb_context_param("room"), "r1"));
    CHECK(sb_context_param("id") == NULL);
    /* Asked once per call (instance), however often the handler asks. */
    CHECK(sb_context_user() == user);
    CHECK(context_calls == 2);
}

static void test_fetch_outside_api(void) {
    sb_http_result result;
    CHECK(sb_http_fetch("GET", "http://127.0.0.1/", NULL, 0, NULL, 0, &result) == -1);
    CHECK(str_is(sb_last_error(),
                 "outbound HTTP works in api/ handlers only (handlers/api/, built with `build --http`)"));
    CHECK(result.status == 0 && result.body == NULL);
    sb_http_result_free(&result);
}

static void test_ok_results(void) {
    refuse = NULL;
    CHECK(sb_is_online("ann") == 1);
    CHECK(sb_is_online("bob") == 0);

    char *got = (char *)"untouched";
    CHECK(sb_store_get("topic", &got) == 0);
    CHECK(got == NULL);
    CHECK(sb_store_set("topic", "teal") == 0);
    CHECK(sb_store_get("topic", &got) == 1);
    CHECK(str_is(got, "teal"));
    free(got);
    CHECK(sb_store_set("topic", "") == 0);
    CHECK(sb_store_get("topic", &got) == 1);
    CHECK(str_is(got, ""));
    free(got);
    CHECK(sb_store_delete("topic") == 1);
    CHECK(sb_store_delete("topic") == 0);

    size_t count = 99;
    char **list = sb_store_set_members("room", &count);
    CHECK(list != NULL && count == 0 && list[0] == NULL);
    free(list);
    CHECK(sb_store_set_add("room", "ann") == 1);
    CHECK(sb_store_set_add("room", "ann") == 0);
    CHECK(sb_store_set_add("room", "bob") == 1);
    list = sb_store_set_members("room", &count);
    CHECK(list != NULL && count == 2 && list[2] == NULL);
    CHECK(list && str_is(list[0], "ann") && str_is(list[1], "bob"));
    free(list);
    CHECK(sb_store_set_remove("room", "ann") == 1);
    CHECK(sb_store_set_remove("room", "ann") == 0);
    list = sb_store_set_members("room", NULL);
    CHECK(list && str_is(list[0], "bob") && list[1] == NULL);
    free(list);
    CHECK(sb_send_json("{}") == 0);
}

static void test_errors(void) {
    char key[301];
    memset(key, 'k', 300);
    key[300] = '\0';
    const char *reason = "key is longer than 256 bytes";
    refuse = reason;

    char *got = (char *)"untouched";
    CHECK(sb_store_get(key, &got) == -1);
    CHECK(got == NULL);
    CHECK(last_key_len == 300);
    CHECK(str_is(sb_last_error(), reason));

    size_t count = 99;
    CHECK(sb_store_set_members(key, &count) == NULL);
    CHECK(count == 0);
    CHECK(str_is(sb_last_error(), reason));
    CHECK(sb_store_set_members(key, NULL) == NULL);

    CHECK(sb_store_set(key, "v") == -1);
    CHECK(sb_store_delete(key) == -1);
    CHECK(sb_store_set_add(key, "m") == -1);
    CHECK(sb_store_set_remove(key, "m") == -1);
    CHECK(str_is(sb_last_error(), reason));

    refuse = "presence backend unreachable";
    CHECK(sb_is_online("ann") == -1);
    CHECK(str_is(sb_last_error(), "presence backend unreachable"));
    refuse = "too many recipients";
    CHECK(sb_send_text("x") == -1);
    CHECK(str_is(sb_last_error(), "too many recipients"));
    refuse = "";
    CHECK(sb_store_delete("k") == -1);
    CHECK(str_is(sb_last_error(), ""));

    /* Calls work again once the host stops refusing. */
    refuse = NULL;
    CHECK(sb_store_get("k", &got) == 0);
    CHECK(got == NULL);
}

int main(void) {
    test_ok_results();
    test_errors();
    test_context();
    test_handler_config();
    test_calls_forget_the_last_one();
    test_messages_sent();
    test_fetch_outside_api();
    test_queue();
    test_job_exports();
    test_schedule_exports();
    printf("sdk_test: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
