/*
 * switchboard.h: write Switchboard WebSocket and HTTP handlers in C.
 *
 * A source file under an app's `handlers/` folder becomes one component.
 * It defines one or more of these entry points, with exactly these names
 * and signatures (declared below); `guest-sdk/c/build` looks at which ones
 * the file defines and exports the matching WIT interfaces, nothing else:
 *
 *   entry point                         exports      where
 *   handle                              handler      any route
 *   authenticate                        authenticate index.c or _middleware.c
 *   on_online, on_offline               presence     index.c or _middleware.c
 *   on_message_received, on_messages_sent,
 *   on_error, SB_LOG_HOOKS(...)         logging      any handler or _middleware.c
 *   sb_http_handle                      wasi:http/incoming-handler
 *                                                    handlers/api/ (build --http)
 *   run_job, SB_QUEUE_CONFIG(...)       job          handlers/queues/ (build --job)
 *   run_schedule, SB_SCHEDULE_CONFIG(...)
 *                                       schedule     handlers/schedules/
 *                                                    (build --schedule)
 *
 * Conventions used throughout:
 * - Functions that can fail return 0 on success and -1 on failure; the
 *   host's reason is then in sb_last_error(). Those that answer yes or no
 *   return 1 or 0, and -1 on failure: test `== 1` (or `< 0` first), not
 *   truthiness, since -1 is true in C. Those that return a pointer return
 *   NULL on failure, again with the reason in sb_last_error().
 * - Every string the SDK hands you is NUL-terminated and owned by the SDK:
 *   it stays valid until your entry point returns. Copy what you keep.
 * - Every string the SDK returns to you as `char *` was malloc'ed; free()
 *   it.
 */
#ifndef SWITCHBOARD_H
#define SWITCHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Data                                                                */

/*
 * How a payload is encoded. In SB_CONFIG it says how the host decodes
 * frames for `handle` (SB_DATA_FRAME: text frames arrive as TEXT, binary
 * as BINARY). A payload's kind is always JSON, TEXT or BINARY.
 */
typedef enum {
    SB_DATA_JSON = 0, /* JSON text (default); bad JSON never reaches handle */
    SB_DATA_TEXT = 1, /* UTF-8 text, not parsed */
    SB_DATA_BINARY = 2, /* bytes, whatever the frame kind */
    SB_DATA_FRAME = 3 /* keep the frame kind: TEXT or BINARY */
} sb_data_type;

/* A name and a value: route params, query params, headers, cookies. */
typedef struct {
    const char *name;
    const char *value;
} sb_pair;

/* One incoming message. */
typedef struct {
    const char *connection; /* id of the connection that sent it */
    const char *request_id; /* unique for every message */
    sb_data_type kind;      /* SB_DATA_JSON, SB_DATA_TEXT or SB_DATA_BINARY */
    const char *data;       /* the payload; NUL-terminated (binary too) */
    size_t data_len;        /* its length in bytes, without the NUL */
    const char *user;       /* the user id, or NULL when anonymous */
    const char *claims;     /* the user's claims as JSON text, or NULL */
    const sb_pair *params;  /* values of the route's [param] folders */
    size_t param_count;
    uint64_t expires_at;    /* when the user's credentials expire (Unix
                               seconds), or 0 when never */
} sb_request;

/* The value of one route param, or NULL. */
const char *sb_param(const sb_request *req, const char *name);

/* ------------------------------------------------------------------ */
/* Errors                                                              */

/* Where an entry point puts its failure reason. */
typedef struct {
    char *message;
} sb_error;

/*
 * Sets the reason an entry point failed (copied) and returns -1, so
 * `return sb_fail(err, "no such room");` works. An entry point that
 * returns -1 without calling sb_fail fails with sb_last_error(), or
 * "failed" when there is none.
 */
int sb_fail(sb_error *err, const char *message);

/* The reason the last SDK call that returned -1 failed ("" if none). */
const char *sb_last_error(void);

/* ------------------------------------------------------------------ */
/* Message handlers                                                    */

/*
 * Handles one message. Return 0, or fail with `return sb_fail(err, msg);`
 * and the client receives {"error": msg}.
 */
int handle(const sb_request *req, sb_error *err);

/*
 * How the component's instances live between calls (for every call of
 * the component, whatever its export).
 */
typedef enum {
    /* A new instance for every call (the default): nothing one call
     * leaves in memory (statics, globals, the heap) reaches the next. */
    SB_INSTANCES_FRESH = 0,
    /*
     * Instances are kept in a small pool and reused, one call at a time
     * each: statics and globals persist from one call to the next,
     * WHOEVER THE CALLER. Never keep one user's data where another
     * user's call can read it. An instance is discarded after a trap or
     * a fuel, timeout or memory failure, after a number of calls, after
     * a time idle, and on a hot swap; the call limits still apply per
     * call. Memory a call leaks stays leaked for the instance's life.
     */
    SB_INSTANCES_WARM = 1
} sb_instances;

/* Handler options, read once when the component loads. */
typedef struct {
    sb_data_type data_type;
    uint32_t timeout_seconds; /* SB_DEFAULT_TIMEOUT: the server's default */
    sb_instances instances;   /* SB_INSTANCES_FRESH (0, the default) or
                                 SB_INSTANCES_WARM */
} sb_config;

#define SB_DEFAULT_TIMEOUT 0

/*
 * Declares the data type and timeout of `handle`, at file scope:
 *     SB_CONFIG(SB_DATA_TEXT, 5);
 * Without it: SB_DATA_JSON and the server's default timeout. Instances
 * are fresh; SB_WARM_CONFIG is the same with warm instances:
 *     SB_WARM_CONFIG(SB_DATA_JSON, SB_DEFAULT_TIMEOUT);
 * (Or spell the struct out: const sb_config sb_handler_config =
 * {SB_DATA_JSON, 5, SB_INSTANCES_WARM};) A data type or instances value
 * outside its enum makes the server refuse to load the component.
 */
#define SB_CONFIG(data_type, timeout_seconds) \
    const sb_config sb_handler_config = {(data_type), (timeout_seconds), SB_INSTANCES_FRESH}
#define SB_WARM_CONFIG(data_type, timeout_seconds) \
    const sb_config sb_handler_config = {(data_type), (timeout_seconds), SB_INSTANCES_WARM}

/* ------------------------------------------------------------------ */
/* Sending (usable from every entry point)                            */

/* The most users one sb_send_to* call may name. */
#define SB_MAX_RECIPIENTS 100

/*
 * Sends to the current user on all their connections, or only to the
 * current connection when it is anonymous. JSON and text go out as text
 * frames, binary as a binary frame. The host checks that JSON is valid.
 */
int sb_send_json(const char *json);
int sb_send_text(const char *text);
int sb_send_binary(const void *bytes, size_t len);
/* Any kind: SB_DATA_JSON, SB_DATA_TEXT or SB_DATA_BINARY. */
int sb_send(sb_data_type kind, const void *data, size_t len);

/*
 * Sends to every open connection of each listed user (at most
 * SB_MAX_RECIPIENTS; more is an error and nothing is sent). Users with
 * no open connection are skipped.
 */
int sb_send_to_json(const char *const *users, size_t user_count, const char *json);
int sb_send_to_text(const char *const *users, size_t user_count, const char *text);
int sb_send_to_binary(const char *const *users, size_t user_count, const void *bytes,
                      size_t len);
int sb_send_to(const char *const *users, size_t user_count, sb_data_type kind,
               const void *data, size_t len);

/*
 * 1 while the user has at least one open connection, 0 when they have
 * none, -1 when the host cannot find out (a backend it relies on failed).
 */
int sb_is_online(const char *user);

/* ------------------------------------------------------------------ */
/* Store: small shared state kept by the host                          */
/*
 * Keys are at most 256 bytes and values 64 KiB. Every function fails (-1,
 * or NULL for sb_store_set_members) when a limit refuses the call (a key
 * over 256 bytes, for reads too; a value over 64 KiB; the store full) or
 * the backend fails, with the host's reason, e.g. "key is longer than 256
 * bytes", in sb_last_error(). A refused write changes nothing.
 */

/*
 * 1 when the key is set, with `*value` its value (malloc'ed; free it);
 * 0 when it is not, -1 on error; `*value` is NULL in both those cases.
 */
int sb_store_get(const char *key, char **value);
/* 0, or -1 on error. */
int sb_store_set(const char *key, const char *value);
/* 1 if the key existed, 0 if not, -1 on error. */
int sb_store_delete(const char *key);
/* 1 if the member was new, 0 if it was there already, -1 on error. */
int sb_store_set_add(const char *key, const char *member);
/* 1 if the member was in the set, 0 if not, -1 on error. */
int sb_store_set_remove(const char *key, const char *member);
/*
 * The members of a set as a NULL-terminated array of strings, in one
 * allocation: free(members) frees it all. `count` (may be NULL) receives
 * the number of members (0 on error). No set is an empty array. Returns
 * NULL on error, or when out of memory ("out of memory" in
 * sb_last_error()).
 */
char **sb_store_set_members(const char *key, size_t *count);

/* ------------------------------------------------------------------ */
/* Authentication (socket/index or socket/_middleware)                 */

/*
 * What only an `api/` request has (sb_http_handle); all NULL/0 in the
 * WebSocket upgrade request that `authenticate` gets.
 */
typedef struct {
    const char *path_with_query; /* as received: "/api/echo/7?x=1" */
    const char *body;            /* the whole body, NUL-terminated */
    size_t body_len;             /* its length in bytes, without the NUL */
} sb_http_request_body;

/*
 * An HTTP request: the one that asked to upgrade to a WebSocket
 * (`authenticate`), or an `api/` request (`sb_http_handle`). For both,
 * `path` is the path alone, `query` what follows `?`, `query_params` its
 * decoded pairs, `headers` every header (lower-case names) and `cookies`
 * those of the Cookie header.
 */
typedef struct {
    const char *method;
    const char *path;
    const char *query;           /* raw, without `?` */
    const sb_pair *query_params; /* decoded, in order */
    size_t query_param_count;
    const sb_pair *headers; /* names are lower case */
    size_t header_count;
    const sb_pair *cookies;
    size_t cookie_count;
    sb_http_request_body http; /* api/ requests only */
} sb_http_request;

/* The first query parameter, header (case-insensitive) or cookie with
 * this name, or NULL. */
const char *sb_query_param(const sb_http_request *req, const char *name);
const char *sb_header(const sb_http_request *req, const char *name);
const char *sb_cookie(const sb_http_request *req, const char *name);
/* The token of an `Authorization: Bearer TOKEN` header, or NULL. */
const char *sb_bearer_token(const sb_http_request *req);

/* Who a connection belongs to; fill it with sb_set_user. */
typedef struct {
    char *id;
    char *claims;
    uint64_t expires_at; /* Unix seconds, 0 for never; see below */
} sb_user;

/* Accept as user `id`, with `claims` (a JSON object as text, or NULL).
 * Both are copied. Returns 0, or -1 when out of memory. */
int sb_set_user(sb_user *user, const char *id, const char *claims);

/* The server closes the connection at `unix_seconds` with close code 4001
 * (`token expired`); 0 means never, the default. Call after sb_set_user. */
void sb_set_user_expiry(sb_user *user, uint64_t unix_seconds);

/*
 * Decides who a new connection belongs to. Return 0 after sb_set_user to
 * accept as that user, 0 alone to accept as anonymous, or
 * `return sb_fail(err, reason);` to refuse with HTTP 401.
 */
int authenticate(const sb_http_request *req, sb_user *user, sb_error *err);

/* ------------------------------------------------------------------ */
/* Presence (socket/index or socket/_middleware)                       */

/*
 * Called once when a user's first connection opens, and once when their
 * last one closes. sb_send* inside goes to that user. Defining either one
 * exports presence; the other then does nothing.
 */
int on_online(const char *user, sb_error *err);
int on_offline(const char *user, sb_error *err);

/* ------------------------------------------------------------------ */
/* Logging middleware (any handler or _middleware)                     */

typedef enum {
    SB_HOOK_INHERIT = 0, /* not handled here; look further up */
    SB_HOOK_HANDLE = 1,  /* this hook runs instead of the default */
    SB_HOOK_WRAP = 2,    /* this hook runs, and the default too */
    SB_HOOK_DISABLE = 3  /* nothing runs for the routes that resolve here */
} sb_hook_mode;

typedef struct {
    sb_hook_mode message_received; /* on_message_received */
    sb_hook_mode message_sent;     /* on_messages_sent */
    sb_hook_mode error;            /* on_error */
} sb_hook_modes;

/*
 * Declares the mode of each logging hook, at file scope, in the order
 * received, sent, error:
 *     SB_LOG_HOOKS(SB_HOOK_WRAP, SB_HOOK_INHERIT, SB_HOOK_HANDLE);
 * Without it, each hook this file defines is SB_HOOK_HANDLE and the
 * others SB_HOOK_INHERIT.
 */
#define SB_LOG_HOOKS(message_received, message_sent, error) \
    const sb_hook_modes sb_log_hooks = {(message_received), (message_sent), (error)}

/* A message a component sent: to one connection (an anonymous send) or
 * to one user (a send by a user, or each user of a send-to). */
typedef struct {
    const char *connection; /* set for an anonymous send, else NULL */
    const char *user;       /* set for a send by or to a user, else NULL */
    sb_data_type kind;
    const char *data;
    size_t data_len;
} sb_sent_message;

void on_message_received(const sb_request *req);
/*
 * The messages one call sent, `count` of them (at least 1), in the order
 * it sent them: one entry per message to one connection or one user, so
 * an sb_send_to* to 100 users gives 100 entries in one call of this
 * hook. Called once after the call that sent them, only if it sent any.
 * (It replaced switchboard:socket 0.3.0's on_message_sent(message), one
 * call per message; the build refuses a file that still defines that.)
 */
void on_messages_sent(const sb_sent_message *messages, size_t count);
/* A handler or middleware failed; `req` is NULL when the failure was not
 * about one message. */
void on_error(const char *error, const sb_request *req);

/* ------------------------------------------------------------------ */
/* Call context (usable from every entry point)                       */

/*
 * The user the call acts for: the socket message's or HTTP request's
 * authenticated user, or the user a presence hook is about. NULL when
 * the caller is anonymous. Owned by the SDK; valid for the rest of the
 * call (asked of the host once per call, and forgotten when the next
 * call of a warm instance begins: never keep the pointer).
 */
const sb_user *sb_context_user(void);

/*
 * The route's params: for a socket message its `[param]` folders (the
 * same as sb_request's), for an HTTP request its `[param]` path
 * segments (`api/echo/[id].c` gives id=7 for /api/echo/7). `count`
 * receives how many. Owned by the SDK, valid for the rest of the call,
 * like sb_context_user's.
 */
const sb_pair *sb_context_params(size_t *count);

/* One of those params by name, or NULL. */
const char *sb_context_param(const char *name);

/*
 * The attempt number of the queued job this call runs (1 on the first
 * run, 2 on the first retry, ...), or 0 when the call is not a job's run.
 */
uint32_t sb_context_attempt(void);

/* ------------------------------------------------------------------ */
/* Queued jobs: pushing (usable from every entry point)               */

typedef struct {
    /* Run no sooner than this many milliseconds from now; 0 for now. */
    uint64_t delay_ms;
    /*
     * NULL, or a key: a second push of the same key to the same queue,
     * within the server's idempotency window (24 h by default), queues
     * nothing and returns the first job's id.
     */
    const char *idempotency_key;
} sb_push_options;

#define SB_PUSH_OPTIONS_INIT {0, NULL}

/*
 * Queues a job on `queue` (the name of a `queues/<name>.wasm`) with
 * `payload_json`, any JSON value as text (the host checks it and caps
 * its size, 256 KiB by default). `options` may be NULL. The job acts for
 * the user this call acts for, if any: its sb_send* reaches them.
 *
 * Returns the job's id (malloc'ed; free it), or NULL when the host
 * refuses (an unknown queue, a bad or oversized payload, a full queue),
 * with the reason in sb_last_error(); nothing is queued then.
 */
char *sb_queue_push(const char *queue, const char *payload_json, const sb_push_options *options);

/* ------------------------------------------------------------------ */
/* Queued jobs: running them (handlers/queues/, built with --job)      */

/* One run of a job of this queue. */
typedef struct {
    const char *id;       /* the id sb_queue_push returned */
    const char *payload;  /* the JSON text pushed, NUL-terminated */
    size_t payload_len;   /* its length in bytes, without the NUL */
    const sb_user *user;  /* the user the push acted for (sb_send* goes
                             to them), or NULL */
    uint32_t attempt;     /* 1 on the first run, 2 on the first retry, ... */
} sb_job;

/*
 * Runs one job of the queue `handlers/queues/<name>.c` serves. Return 0,
 * or fail with `return sb_fail(err, msg);`: the run is retried with
 * exponential backoff, and after its last attempt the job is dead (see
 * `switchboard jobs`). A job is delivered at least once, so a run may
 * repeat. A source with run_job defines no other entry point.
 */
int run_job(const sb_job *job, sb_error *err);

/* A queue's options, read once when the component loads; 0 for each
 * leaves it to the server's default. */
typedef struct {
    uint32_t concurrency;     /* how many of its jobs run at once */
    uint32_t max_attempts;    /* runs before a failing job is dead */
    uint32_t timeout_seconds; /* wall-clock limit of one run */
} sb_queue_config;

/*
 * Declares the queue's options, at file scope (optional):
 *     SB_QUEUE_CONFIG(4, 3, 30);   // concurrency 4, 3 attempts, 30 s
 * 0 for any of them is the server's default.
 */
#define SB_QUEUE_CONFIG(concurrency, max_attempts, timeout_seconds) \
    const sb_queue_config sb_declared_queue_config = {(concurrency), (max_attempts), (timeout_seconds)}

/* ------------------------------------------------------------------ */
/* Schedules (handlers/schedules/, built with --schedule)              */

/* One tick of a schedule. */
typedef struct {
    uint64_t scheduled_at; /* the tick this run is for, in Unix ms */
    bool catch_up;         /* this run makes up for ticks missed while no
                              server ran (at most one follows downtime) */
} sb_tick;

/*
 * Runs once per tick of the schedule's cron expression, never
 * overlapping itself. Return 0, or fail with `return sb_fail(err, msg);`.
 * A schedule has no user: sb_send* fails there, while sb_send_to*,
 * the store and sb_queue_push work. A source with run_schedule defines
 * no other entry point, and must declare SB_SCHEDULE_CONFIG.
 */
int run_schedule(const sb_tick *tick, sb_error *err);

typedef struct {
    const char *cron;         /* 5 fields (minute hour day-of-month month
                                 day-of-week), or 6 with seconds first */
    const char *timezone;     /* an IANA zone such as "Europe/Paris", or
                                 NULL for UTC */
    uint32_t timeout_seconds; /* wall-clock limit of one run; 0 for the
                                 server's default */
} sb_schedule_config;

/*
 * Declares when the schedule runs, at file scope (required: the build
 * fails without it):
 *     SB_SCHEDULE_CONFIG("0 3 * * *", "Europe/Paris", 0);
 */
#define SB_SCHEDULE_CONFIG(cron, timezone, timeout_seconds) \
    const sb_schedule_config sb_declared_schedule_config = {(cron), (timezone), (timeout_seconds)}

/* ------------------------------------------------------------------ */
/* Text buffer                                                         */

/*
 * A growable NUL-terminated string, for building replies:
 *     sb_buf out = SB_BUF_INIT;
 *     sb_buf_add(&out, "{\"name\":");
 *     sb_buf_add_json_string(&out, name);
 *     sb_buf_add(&out, "}");
 *     sb_send_json(sb_buf_str(&out));
 *     sb_buf_free(&out);
 * When memory runs out, `failed` is set and later adds do nothing.
 */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} sb_buf;

#define SB_BUF_INIT {NULL, 0, 0, false}

void sb_buf_add(sb_buf *buf, const char *text);
void sb_buf_add_n(sb_buf *buf, const void *bytes, size_t len);
void sb_buf_add_char(sb_buf *buf, char c);
void sb_buf_add_int(sb_buf *buf, long long value);
/* Adds `text` as a JSON string literal: quoted and escaped. */
void sb_buf_add_json_string(sb_buf *buf, const char *text);
void sb_buf_add_json_string_n(sb_buf *buf, const char *text, size_t len);
/* The text so far; "" when empty. */
const char *sb_buf_str(const sb_buf *buf);
void sb_buf_free(sb_buf *buf);

/* ------------------------------------------------------------------ */
/* HTTP handlers (handlers/api/, built with `build --http`)            */

/*
 * The response an HTTP handler fills: status 200, no headers and an
 * empty body to begin with. Set it with the helpers below, or append to
 * `body` with the sb_buf functions. The SDK frees it.
 */
typedef struct {
    int status;
    sb_pair *headers; /* names and values malloc'ed by sb_http_add_header */
    size_t header_count;
    size_t header_cap;
    sb_buf body;
} sb_http_response;

/*
 * Handles one request to the route (`handlers/api/users/[id].c` serves
 * /api/users/:id). `req->http` has the path with its query and the whole
 * body; the route params come from sb_context_params(). Return 0 to send
 * `res`, or -1 to answer 500 with {"error": sb_last_error()} (or
 * "failed") instead. A source with sb_http_handle defines none of the
 * socket entry points.
 */
int sb_http_handle(const sb_http_request *req, sb_http_response *res);

/* Sets the status (100-599). */
void sb_http_set_status(sb_http_response *res, int status);
/* Adds a header (both copied; names are sent in lower case). Returns 0. */
int sb_http_add_header(sb_http_response *res, const char *name, const char *value);
/* Replaces the body with these bytes (copied). */
void sb_http_set_body(sb_http_response *res, const void *bytes, size_t len);
/*
 * A JSON answer: sets the status, adds `content-type: application/json`
 * and replaces the body with `json` (not checked).
 */
void sb_http_set_json(sb_http_response *res, int status, const char *json);

/* A response to an outbound request (sb_http_fetch); free it with
 * sb_http_result_free. */
typedef struct {
    int status;
    sb_pair *headers; /* lower-case names */
    size_t header_count;
    char *body;       /* the whole body, NUL-terminated */
    size_t body_len;
} sb_http_result;

/*
 * Sends an HTTP request over wasi:http/outgoing-handler and waits for the
 * whole response. `method` is "GET", "POST", ... (NULL for GET); `url` an
 * absolute http:// or https:// URL; `headers` (may be NULL) and `body`
 * (may be NULL) are sent as given.
 *
 * Returns 0 with `*out` filled, whatever the status, or -1 when there is
 * no response: the server does not allow the destination (outbound hosts
 * are denied unless allow-listed), the connection is refused, it timed
 * out. sb_last_error() then names the request and the wasi:http error
 * code, e.g. "GET http://10.0.0.1/: HTTP-request-denied". `*out` is
 * zeroed on failure. Only in `api/` handlers; elsewhere it returns -1
 * saying so.
 */
int sb_http_fetch(const char *method, const char *url, const sb_pair *headers, size_t header_count,
                  const void *body, size_t body_len, sb_http_result *out);

/* The first header of a result with this (case-insensitive) name, or NULL. */
const char *sb_http_result_header(const sb_http_result *result, const char *name);

void sb_http_result_free(sb_http_result *result);

/* ------------------------------------------------------------------ */
/* JSON helper                                                         */

/*
 * A piece of JSON text: not NUL-terminated, points into the text it was
 * found in. The helper reads JSON in place and never allocates except
 * where it returns `char *`. All functions return false or NULL on text
 * that is not valid JSON.
 */
typedef struct {
    const char *ptr;
    size_t len;
} sb_span;

/* A span over a NUL-terminated string, or over a request's payload. */
sb_span sb_span_of(const char *text);
sb_span sb_request_span(const sb_request *req);
/* A span over a job's payload. */
sb_span sb_job_span(const sb_job *job);

/* The kind of a JSON value: '{', '[', '"', 'n' (null), 't', 'f' (true,
 * false) or '0' (number); 0 when the span is not one valid JSON value. */
char sb_json_kind(sb_span value);

/* Finds top-level field `name` of a JSON object and sets `value` to its
 * raw text (the last one if the name repeats). False if absent. */
bool sb_json_field(sb_span object, const char *name, sb_span *value);

/* Decodes a JSON string literal (escapes resolved, UTF-8). malloc'ed;
 * NULL if `value` is not a string. */
char *sb_json_decode_string(sb_span value);

/* sb_json_field + sb_json_decode_string: a top-level string field,
 * malloc'ed, or NULL when absent or not a string. */
char *sb_json_get_string(sb_span object, const char *name);

/* Iterates the elements of a JSON array:
 *     sb_json_iter it; sb_span item;
 *     if (sb_json_array(list, &it))
 *         while (sb_json_next(&it, &item)) { ... }
 * sb_json_next returns false at the end and on invalid JSON. */
typedef struct {
    const char *pos;
    const char *end;
    bool started;
} sb_json_iter;

bool sb_json_array(sb_span array, sb_json_iter *iter);
bool sb_json_next(sb_json_iter *iter, sb_span *element);

/*
 * The elements of an array of strings, decoded, as a NULL-terminated
 * array in one allocation (free it). NULL if `array` is not an array of
 * strings. `count` (may be NULL) receives the number of elements.
 */
char **sb_json_strings(sb_span array, size_t *count);

/*
 * Appends `value` in canonical form: no whitespace, object keys sorted
 * bytewise (a repeated key keeps its last value), strings re-escaped
 * minimally, numbers as the shortest text that reads back the same.
 * These are the bytes serde_json (the Rust SDK) writes for the same
 * value. Returns false, appending nothing, on invalid JSON.
 */
bool sb_json_write_canonical(sb_buf *out, sb_span value);

#ifdef __cplusplus
}
#endif

#endif /* SWITCHBOARD_H */
