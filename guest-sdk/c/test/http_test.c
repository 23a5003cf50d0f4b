/*
 * Native tests of sb_http.c: the wasi:http/incoming-handler export over
 * sb_http_handle, and sb_http_fetch. switchboard.c is compiled with
 * SB_EXPORT_HTTP against the c_guest.h wit-bindgen generates for the
 * HTTP world, and the wasi:http imports are the fakes below: resources
 * are small tables, streams read from and write to buffers. `run`
 * builds and runs it.
 */
#include "switchboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c_guest.h"

#include "check.h"

/* ------------------------------------------------------------------ */
/* Memory the bindings would free                                      */

static uint8_t *copy_bytes(const void *bytes, size_t len) {
    uint8_t *p = malloc(len ? len : 1);
    if (!p) abort();
    if (len) memcpy(p, bytes, len);
    return p;
}

static c_guest_string_t owned(const char *text) {
    c_guest_string_t s = {copy_bytes(text, strlen(text)), strlen(text)};
    return s;
}

void c_guest_string_free(c_guest_string_t *s) {
    if (s->len) free(s->ptr);
    s->ptr = NULL;
    s->len = 0;
}

void c_guest_list_u8_free(c_guest_list_u8_t *list) {
    if (list->len) free(list->ptr);
    list->ptr = NULL;
    list->len = 0;
}

void c_guest_list_string_free(c_guest_list_string_t *list) {
    for (size_t i = 0; i < list->len; i++) c_guest_string_free(&list->ptr[i]);
    free(list->ptr);
}

void wasi_http_types_list_tuple2_field_name_field_value_free(
    wasi_http_types_list_tuple2_field_name_field_value_t *list) {
    for (size_t i = 0; i < list->len; i++) {
        c_guest_string_free(&list->ptr[i].f0);
        if (list->ptr[i].f1.len) free(list->ptr[i].f1.ptr);
    }
    free(list->ptr);
}

void wasi_http_types_method_free(wasi_http_types_method_t *m) {
    if (m->tag == WASI_HTTP_TYPES_METHOD_OTHER) c_guest_string_free(&m->val.other);
}

void wasi_http_types_error_code_free(wasi_http_types_error_code_t *code) {
    if (code->tag == WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR && code->val.internal_error.is_some)
        c_guest_string_free(&code->val.internal_error.val);
}

/* ------------------------------------------------------------------ */
/* Socket, store and context: only what these tests call               */

bool switchboard_socket_socket_send(switchboard_socket_socket_data_t *m, c_guest_string_t *err) {
    (void)m;
    *err = owned("anonymous send from an HTTP request");
    return false;
}
bool switchboard_socket_socket_send_to(c_guest_list_string_t *u, switchboard_socket_socket_data_t *m,
                                       c_guest_string_t *err) {
    (void)u, (void)m, (void)err;
    return true;
}
bool switchboard_socket_socket_is_online(c_guest_string_t *u, bool *ret, c_guest_string_t *err) {
    (void)u, (void)err;
    *ret = false;
    return true;
}
bool switchboard_socket_store_get(c_guest_string_t *k, c_guest_option_string_t *ret,
                                  c_guest_string_t *err) {
    (void)k, (void)err;
    ret->is_some = false;
    return true;
}
bool switchboard_socket_store_set(c_guest_string_t *k, c_guest_string_t *v, c_guest_string_t *err) {
    (void)k, (void)v, (void)err;
    return true;
}
bool switchboard_socket_store_delete(c_guest_string_t *k, bool *ret, c_guest_string_t *err) {
    (void)k, (void)err;
    *ret = false;
    return true;
}
bool switchboard_socket_store_set_add(c_guest_string_t *k, c_guest_string_t *m, bool *ret,
                                      c_guest_string_t *err) {
    (void)k, (void)m, (void)err;
    *ret = true;
    return true;
}
bool switchboard_socket_store_set_remove(c_guest_string_t *k, c_guest_string_t *m, bool *ret,
                                         c_guest_string_t *err) {
    (void)k, (void)m, (void)err;
    *ret = false;
    return true;
}
bool switchboard_socket_store_set_members(c_guest_string_t *k, c_guest_list_string_t *ret,
                                          c_guest_string_t *err) {
    (void)k, (void)err;
    ret->ptr = NULL;
    ret->len = 0;
    return true;
}
bool switchboard_socket_context_user(switchboard_socket_types_user_t *ret) {
    (void)ret;
    return false;
}
void switchboard_socket_context_params(c_guest_list_tuple2_string_string_t *ret) {
    ret->len = 1;
    ret->ptr = malloc(sizeof *ret->ptr);
    if (!ret->ptr) abort();
    ret->ptr[0].f0 = owned("id");
    ret->ptr[0].f1 = owned("7");
}
bool switchboard_socket_context_attempt(uint32_t *ret) {
    (void)ret;
    return false;
}
/* What the glue frees when a call begins (the last call's context). */
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
bool switchboard_socket_queue_push(c_guest_string_t *q, c_guest_string_t *p,
                                   switchboard_socket_queue_push_options_t *o, c_guest_string_t *ret,
                                   c_guest_string_t *err) {
    (void)q, (void)p, (void)o, (void)ret;
    *err = owned("unknown queue");
    return false;
}

/* ------------------------------------------------------------------ */
/* Fake wasi:http                                                      */

/* Every resource is a slot in one table; a handle is its index. */
typedef struct {
    int kind;           /* 0 free */
    sb_buf data;        /* stream or body bytes; fields as name\0value\0... */
    size_t pos;         /* read position */
    size_t chunk_max;   /* largest write seen */
    int fields;         /* headers of a request or response */
    int body;           /* body of a request or response */
    int status;
    char text[256];     /* method, authority, path (requests) */
} fake;

enum { FIELDS = 1, IN_REQUEST, IN_BODY, IN_STREAM, OUT_RESPONSE, OUT_BODY, OUT_STREAM, OUTPARAM,
       OUT_REQUEST, FUTURE, IN_RESPONSE, TRAILERS, POLLABLE };

static fake table[64];
static int live;

static int new_fake(int kind) {
    for (int i = 1; i < 64; i++) {
        if (!table[i].kind) {
            memset(&table[i], 0, sizeof table[i]);
            table[i].kind = kind;
            live++;
            return i;
        }
    }
    abort();
}

static void drop(int h) {
    if (!table[h].kind) abort(); /* dropped twice */
    sb_buf_free(&table[h].data);
    table[h].kind = 0;
    live--;
}

static int fields_of(const char *const *pairs_in, size_t n) {
    int h = new_fake(FIELDS);
    for (size_t i = 0; i < n * 2; i++) sb_buf_add_n(&table[h].data, pairs_in[i], strlen(pairs_in[i]) + 1);
    return h;
}

static int incoming_body(const char *bytes, size_t len) {
    int h = new_fake(IN_BODY);
    sb_buf_add_n(&table[h].data, bytes, len);
    return h;
}

/* What the next outgoing request gets. */
static int answer_error = -1; /* an error-code tag raised by handle() */
static int last_out_request;

wasi_http_types_borrow_fields_t wasi_http_types_borrow_fields(wasi_http_types_own_fields_t h) {
    return (wasi_http_types_borrow_fields_t){h.__handle};
}
void wasi_http_types_fields_drop_own(wasi_http_types_own_fields_t h) { drop(h.__handle); }

void wasi_http_types_method_fields_entries(wasi_http_types_borrow_fields_t self,
                                           wasi_http_types_list_tuple2_field_name_field_value_t *ret) {
    sb_buf *d = &table[self.__handle].data;
    size_t n = 0;
    for (size_t i = 0; i < d->len; i++) n += d->data[i] == '\0';
    n /= 2;
    ret->len = n;
    ret->ptr = malloc((n ? n : 1) * sizeof *ret->ptr);
    const char *p = d->data;
    for (size_t i = 0; i < n; i++) {
        ret->ptr[i].f0 = owned(p);
        p += strlen(p) + 1;
        ret->ptr[i].f1.len = strlen(p);
        ret->ptr[i].f1.ptr = copy_bytes(p, strlen(p));
        p += strlen(p) + 1;
    }
}

bool wasi_http_types_static_fields_from_list(wasi_http_types_list_tuple2_field_name_field_value_t *entries,
                                             wasi_http_types_own_fields_t *ret,
                                             wasi_http_types_header_error_t *err) {
    int h = new_fake(FIELDS);
    for (size_t i = 0; i < entries->len; i++) {
        if (memchr(entries->ptr[i].f0.ptr, ' ', entries->ptr[i].f0.len) || entries->ptr[i].f0.len == 0) {
            drop(h);
            err->tag = WASI_HTTP_TYPES_HEADER_ERROR_INVALID_SYNTAX;
            return false;
        }
        sb_buf_add_n(&table[h].data, entries->ptr[i].f0.ptr, entries->ptr[i].f0.len);
        sb_buf_add_char(&table[h].data, '\0');
        sb_buf_add_n(&table[h].data, entries->ptr[i].f1.ptr, entries->ptr[i].f1.len);
        sb_buf_add_char(&table[h].data, '\0');
    }
    ret->__handle = h;
    return true;
}

/* Incoming requests. */
wasi_http_types_borrow_incoming_request_t wasi_http_types_borrow_incoming_request(
    wasi_http_types_own_incoming_request_t h) {
    return (wasi_http_types_borrow_incoming_request_t){h.__handle};
}
void wasi_http_types_incoming_request_drop_own(wasi_http_types_own_incoming_request_t h) {
    drop(h.__handle);
}
void wasi_http_types_method_incoming_request_method(wasi_http_types_borrow_incoming_request_t self,
                                                    wasi_http_types_method_t *ret) {
    if (strcmp(table[self.__handle].text, "POST") == 0) {
        ret->tag = WASI_HTTP_TYPES_METHOD_POST;
    } else {
        ret->tag = WASI_HTTP_TYPES_METHOD_OTHER;
        ret->val.other = owned(table[self.__handle].text);
    }
}
static const char *request_target;
bool wasi_http_types_method_incoming_request_path_with_query(wasi_http_types_borrow_incoming_request_t self,
                                                             c_guest_string_t *ret) {
    (void)self;
    *ret = owned(request_target);
    return true;
}
wasi_http_types_own_headers_t wasi_http_types_method_incoming_request_headers(
    wasi_http_types_borrow_incoming_request_t self) {
    /* A child: a copy the caller drops. */
    int h = new_fake(FIELDS);
    sb_buf_add_n(&table[h].data, table[table[self.__handle].fields].data.data,
                 table[table[self.__handle].fields].data.len);
    return (wasi_http_types_own_headers_t){h};
}
bool wasi_http_types_method_incoming_request_consume(wasi_http_types_borrow_incoming_request_t self,
                                                     wasi_http_types_own_incoming_body_t *ret) {
    if (!table[self.__handle].body) return false;
    ret->__handle = table[self.__handle].body;
    table[self.__handle].body = 0;
    return true;
}

/* Bodies and streams. */
wasi_http_types_borrow_incoming_body_t wasi_http_types_borrow_incoming_body(wasi_http_types_own_incoming_body_t h) {
    return (wasi_http_types_borrow_incoming_body_t){h.__handle};
}
bool wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body_t self,
                                                 wasi_http_types_own_input_stream_t *ret) {
    int s = new_fake(IN_STREAM);
    sb_buf_add_n(&table[s].data, table[self.__handle].data.data, table[self.__handle].data.len);
    ret->__handle = s;
    return true;
}
wasi_http_types_own_future_trailers_t wasi_http_types_static_incoming_body_finish(
    wasi_http_types_own_incoming_body_t body) {
    drop(body.__handle);
    return (wasi_http_types_own_future_trailers_t){new_fake(TRAILERS)};
}
void wasi_http_types_future_trailers_drop_own(wasi_http_types_own_future_trailers_t h) { drop(h.__handle); }
wasi_io_streams_borrow_input_stream_t wasi_io_streams_borrow_input_stream(wasi_io_streams_own_input_stream_t h) {
    return (wasi_io_streams_borrow_input_stream_t){h.__handle};
}
void wasi_io_streams_input_stream_drop_own(wasi_io_streams_own_input_stream_t h) { drop(h.__handle); }
bool wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream_t self,
                                                       uint64_t len, c_guest_list_u8_t *ret,
                                                       wasi_io_streams_stream_error_t *err) {
    fake *s = &table[self.__handle];
    if (s->pos >= s->data.len) {
        err->tag = WASI_IO_STREAMS_STREAM_ERROR_CLOSED;
        return false;
    }
    size_t n = s->data.len - s->pos;
    if (n > 1000) n = 1000; /* the host may return less than asked */
    if (n > len) n = (size_t)len;
    ret->ptr = copy_bytes(s->data.data + s->pos, n);
    ret->len = n;
    s->pos += n;
    return true;
}
void wasi_io_error_error_drop_own(wasi_io_error_own_error_t h) { (void)h; }

wasi_http_types_borrow_outgoing_body_t wasi_http_types_borrow_outgoing_body(wasi_http_types_own_outgoing_body_t h) {
    return (wasi_http_types_borrow_outgoing_body_t){h.__handle};
}
void wasi_http_types_outgoing_body_drop_own(wasi_http_types_own_outgoing_body_t h) { drop(h.__handle); }
bool wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body_t self,
                                                wasi_http_types_own_output_stream_t *ret) {
    int s = new_fake(OUT_STREAM);
    table[s].body = self.__handle; /* writes land in the body */
    ret->__handle = s;
    return true;
}
static sb_buf finished_body; /* the last finished outgoing body */
static size_t finished_chunk_max;
bool wasi_http_types_static_outgoing_body_finish(wasi_http_types_own_outgoing_body_t body,
                                                 wasi_http_types_own_trailers_t *trailers,
                                                 wasi_http_types_error_code_t *err) {
    (void)trailers, (void)err;
    sb_buf_free(&finished_body);
    sb_buf_add_n(&finished_body, table[body.__handle].data.data, table[body.__handle].data.len);
    finished_chunk_max = table[body.__handle].chunk_max;
    drop(body.__handle);
    return true;
}
wasi_io_streams_borrow_output_stream_t wasi_io_streams_borrow_output_stream(wasi_io_streams_own_output_stream_t h) {
    return (wasi_io_streams_borrow_output_stream_t){h.__handle};
}
void wasi_io_streams_output_stream_drop_own(wasi_io_streams_own_output_stream_t h) { drop(h.__handle); }
bool wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream_t self,
                                                                   c_guest_list_u8_t *contents,
                                                                   wasi_io_streams_stream_error_t *err) {
    fake *body = &table[table[self.__handle].body];
    if (contents->len > 4096) {
        err->tag = WASI_IO_STREAMS_STREAM_ERROR_CLOSED;
        return false;
    }
    if (contents->len > body->chunk_max) body->chunk_max = contents->len;
    sb_buf_add_n(&body->data, contents->ptr, contents->len);
    return true;
}

/* Outgoing responses. */
static int sent_status, sent_fields;
wasi_http_types_own_outgoing_response_t wasi_http_types_constructor_outgoing_response(
    wasi_http_types_own_headers_t headers) {
    int h = new_fake(OUT_RESPONSE);
    table[h].fields = headers.__handle;
    return (wasi_http_types_own_outgoing_response_t){h};
}
wasi_http_types_borrow_outgoing_response_t wasi_http_types_borrow_outgoing_response(
    wasi_http_types_own_outgoing_response_t h) {
    return (wasi_http_types_borrow_outgoing_response_t){h.__handle};
}
bool wasi_http_types_method_outgoing_response_set_status_code(wasi_http_types_borrow_outgoing_response_t self,
                                                              wasi_http_types_status_code_t status) {
    table[self.__handle].status = status;
    return true;
}
bool wasi_http_types_method_outgoing_response_body(wasi_http_types_borrow_outgoing_response_t self,
                                                   wasi_http_types_own_outgoing_body_t *ret) {
    (void)self;
    ret->__handle = new_fake(OUT_BODY);
    return true;
}
void wasi_http_types_static_response_outparam_set(
    wasi_http_types_own_response_outparam_t param,
    wasi_http_types_result_own_outgoing_response_error_code_t *response) {
    drop(param.__handle);
    if (response->is_err) abort();
    int r = response->val.ok.__handle;
    sent_status = table[r].status;
    sent_fields = table[r].fields; /* kept to read; dropped by the test */
    drop(r);
}

/* Outgoing requests. */
wasi_http_types_own_outgoing_request_t wasi_http_types_constructor_outgoing_request(
    wasi_http_types_own_headers_t headers) {
    int h = new_fake(OUT_REQUEST);
    table[h].fields = headers.__handle;
    return (wasi_http_types_own_outgoing_request_t){h};
}
wasi_http_types_borrow_outgoing_request_t wasi_http_types_borrow_outgoing_request(
    wasi_http_types_own_outgoing_request_t h) {
    return (wasi_http_types_borrow_outgoing_request_t){h.__handle};
}
void wasi_http_types_outgoing_request_drop_own(wasi_http_types_own_outgoing_request_t h) {
    drop(table[h.__handle].fields);
    drop(h.__handle);
}
static void add_text(int h, const char *text, size_t len) {
    size_t at = strlen(table[h].text);
    if (at + len + 2 >= sizeof table[h].text) abort();
    if (at) table[h].text[at++] = ' ';
    memcpy(table[h].text + at, text, len);
    table[h].text[at + len] = '\0';
}
bool wasi_http_types_method_outgoing_request_set_method(wasi_http_types_borrow_outgoing_request_t self,
                                                        wasi_http_types_method_t *method) {
    static const char *const names[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                        "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    if (method->tag == WASI_HTTP_TYPES_METHOD_OTHER)
        add_text(self.__handle, (const char *)method->val.other.ptr, method->val.other.len);
    else
        add_text(self.__handle, names[method->tag], strlen(names[method->tag]));
    return true;
}
bool wasi_http_types_method_outgoing_request_set_scheme(wasi_http_types_borrow_outgoing_request_t self,
                                                        wasi_http_types_scheme_t *scheme) {
    add_text(self.__handle, scheme->tag == WASI_HTTP_TYPES_SCHEME_HTTPS ? "https" : "http",
             scheme->tag == WASI_HTTP_TYPES_SCHEME_HTTPS ? 5 : 4);
    return true;
}
bool wasi_http_types_method_outgoing_request_set_authority(wasi_http_types_borrow_outgoing_request_t self,
                                                           c_guest_string_t *authority) {
    add_text(self.__handle, (const char *)authority->ptr, authority->len);
    return true;
}
bool wasi_http_types_method_outgoing_request_set_path_with_query(
    wasi_http_types_borrow_outgoing_request_t self, c_guest_string_t *path) {
    add_text(self.__handle, (const char *)path->ptr, path->len);
    return true;
}
bool wasi_http_types_method_outgoing_request_body(wasi_http_types_borrow_outgoing_request_t self,
                                                  wasi_http_types_own_outgoing_body_t *ret) {
    (void)self;
    ret->__handle = new_fake(OUT_BODY);
    return true;
}
static char sent_request[256];
bool wasi_http_outgoing_handler_handle(wasi_http_outgoing_handler_own_outgoing_request_t request,
                                       wasi_http_outgoing_handler_own_request_options_t *options,
                                       wasi_http_outgoing_handler_own_future_incoming_response_t *ret,
                                       wasi_http_outgoing_handler_error_code_t *err) {
    (void)options;
    strcpy(sent_request, table[request.__handle].text);
    last_out_request = request.__handle;
    wasi_http_types_outgoing_request_drop_own(request);
    if (answer_error >= 0) {
        err->tag = (uint8_t)answer_error;
        return false;
    }
    int f = new_fake(FUTURE);
    ret->__handle = f;
    return true;
}
wasi_http_types_borrow_future_incoming_response_t wasi_http_types_borrow_future_incoming_response(
    wasi_http_types_own_future_incoming_response_t h) {
    return (wasi_http_types_borrow_future_incoming_response_t){h.__handle};
}
void wasi_http_types_future_incoming_response_drop_own(wasi_http_types_own_future_incoming_response_t h) {
    drop(h.__handle);
}
wasi_http_types_own_pollable_t wasi_http_types_method_future_incoming_response_subscribe(
    wasi_http_types_borrow_future_incoming_response_t self) {
    (void)self;
    return (wasi_http_types_own_pollable_t){new_fake(POLLABLE)};
}
wasi_io_poll_borrow_pollable_t wasi_io_poll_borrow_pollable(wasi_io_poll_own_pollable_t h) {
    return (wasi_io_poll_borrow_pollable_t){h.__handle};
}
void wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable_t self) { (void)self; }
void wasi_io_poll_pollable_drop_own(wasi_io_poll_own_pollable_t h) { drop(h.__handle); }
bool wasi_http_types_method_future_incoming_response_get(
    wasi_http_types_borrow_future_incoming_response_t self,
    wasi_http_types_result_result_own_incoming_response_error_code_void_t *ret) {
    (void)self;
    ret->is_err = false;
    int r = new_fake(IN_RESPONSE);
    static const char *const headers[] = {"Content-Type", "text/plain"};
    table[r].fields = fields_of(headers, 1);
    table[r].body = incoming_body("upstream says hi", 16);
    table[r].status = 201;
    ret->val.ok.is_err = false;
    ret->val.ok.val.ok.__handle = r;
    return true;
}
wasi_http_types_borrow_incoming_response_t wasi_http_types_borrow_incoming_response(
    wasi_http_types_own_incoming_response_t h) {
    return (wasi_http_types_borrow_incoming_response_t){h.__handle};
}
void wasi_http_types_incoming_response_drop_own(wasi_http_types_own_incoming_response_t h) {
    drop(table[h.__handle].fields);
    drop(h.__handle);
}
wasi_http_types_status_code_t wasi_http_types_method_incoming_response_status(
    wasi_http_types_borrow_incoming_response_t self) {
    return (wasi_http_types_status_code_t)table[self.__handle].status;
}
wasi_http_types_own_headers_t wasi_http_types_method_incoming_response_headers(
    wasi_http_types_borrow_incoming_response_t self) {
    int h = new_fake(FIELDS);
    sb_buf_add_n(&table[h].data, table[table[self.__handle].fields].data.data,
                 table[table[self.__handle].fields].data.len);
    return (wasi_http_types_own_headers_t){h};
}
bool wasi_http_types_method_incoming_response_consume(wasi_http_types_borrow_incoming_response_t self,
                                                      wasi_http_types_own_incoming_body_t *ret) {
    ret->__handle = table[self.__handle].body;
    table[self.__handle].body = 0;
    return true;
}

/* ------------------------------------------------------------------ */
/* The handler under test                                              */

/* What the handler saw, copied: the request's strings die with the call. */
static struct {
    char method[16], path[64], query[64], target[64], first_header[16], cookie[16], y[16];
    size_t body_len, header_count;
    bool body_terminated;
} seen;
static int mode; /* 0 echo, 1 fail, 2 big body, 3 fetch, 4 bad header */

int sb_http_handle(const sb_http_request *req, sb_http_response *res) {
    const char *c = sb_cookie(req, "sid"), *y = sb_query_param(req, "y");
    snprintf(seen.method, sizeof seen.method, "%s", req->method);
    snprintf(seen.path, sizeof seen.path, "%s", req->path);
    snprintf(seen.query, sizeof seen.query, "%s", req->query);
    snprintf(seen.target, sizeof seen.target, "%s", req->http.path_with_query);
    snprintf(seen.first_header, sizeof seen.first_header, "%s",
             req->header_count ? req->headers[0].name : "(none)");
    snprintf(seen.cookie, sizeof seen.cookie, "%s", c ? c : "(none)");
    snprintf(seen.y, sizeof seen.y, "%s", y ? y : "(none)");
    seen.body_len = req->http.body_len;
    seen.header_count = req->header_count;
    seen.body_terminated = req->http.body && req->http.body[req->http.body_len] == '\0';
    switch (mode) {
    case 1:
        return sb_send_json("{}"); /* refused: -1 */
    case 2: {
        char *big = malloc(10000);
        memset(big, 'x', 10000);
        sb_http_set_body(res, big, 10000);
        free(big);
        return 0;
    }
    case 4:
        sb_http_add_header(res, "bad name", "x");
        return 0;
    default:
        sb_http_add_header(res, "X-Lang", "c");
        sb_http_set_json(res, 201, "{\"ok\":true}");
        sb_buf_add(&res->body, " ");
        return 0;
    }
}

/* Runs the export on one request; the sent body in finished_body. */
static void serve(const char *method, const char *target, const char *body, size_t body_len) {
    int req = new_fake(IN_REQUEST);
    snprintf(table[req].text, sizeof table[req].text, "%s", method);
    static const char *const headers[] = {"X-Probe", "p", "Cookie", "a=1; sid=s3"};
    table[req].fields = fields_of(headers, 2);
    table[req].body = incoming_body(body, body_len);
    request_target = target;
    int fields = table[req].fields;
    exports_wasi_http_incoming_handler_handle((wasi_http_types_own_incoming_request_t){req},
                                              (wasi_http_types_own_response_outparam_t){new_fake(OUTPARAM)});
    drop(fields);
}

static bool sent_header_is(const char *name, const char *value) {
    sb_buf *d = &table[sent_fields].data;
    for (const char *p = d->data; p && p < d->data + d->len;) {
        const char *v = p + strlen(p) + 1;
        if (strcmp(p, name) == 0) return str_is(v, value);
        p = v + strlen(v) + 1;
    }
    return str_is(NULL, value);
}

static void test_incoming(void) {
    char body[3000];
    for (int i = 0; i < 3000; i++) body[i] = (char)('a' + i % 26);
    mode = 0;
    serve("POST", "/api/echo/7?x=1&y=%20z+w", body, sizeof body);
    CHECK(str_is(seen.method, "POST"));
    CHECK(str_is(seen.path, "/api/echo/7"));
    CHECK(str_is(seen.query, "x=1&y=%20z+w"));
    CHECK(str_is(seen.y, " z w"));
    CHECK(str_is(seen.target, "/api/echo/7?x=1&y=%20z+w"));
    CHECK(seen.body_len == 3000 && seen.body_terminated);
    CHECK(str_is(seen.cookie, "s3"));
    CHECK(seen.header_count == 2 && str_is(seen.first_header, "x-probe"));
    CHECK(sent_status == 201);
    CHECK(sent_header_is("x-lang", "c"));
    CHECK(sent_header_is("content-type", "application/json"));
    CHECK(str_is(sb_buf_str(&finished_body), "{\"ok\":true} "));
    drop(sent_fields);

    mode = 1;
    serve("PROPFIND", "/", "", 0);
    CHECK(str_is(seen.method, "PROPFIND"));
    CHECK(seen.body_len == 0 && seen.body_terminated);
    CHECK(sent_status == 500);
    CHECK(str_is(sb_buf_str(&finished_body), "{\"error\":\"anonymous send from an HTTP request\"}"));
    drop(sent_fields);

    mode = 2;
    serve("GET", "/", "", 0);
    CHECK(sent_status == 200 && finished_body.len == 10000);
    CHECK(finished_chunk_max == 4096);
    drop(sent_fields);

    mode = 4;
    serve("GET", "/", "", 0);
    CHECK(sent_status == 500);
    CHECK(str_is(sb_buf_str(&finished_body), "{\"error\":\"bad header (invalid syntax)\"}"));
    drop(sent_fields);
    CHECK(live == 0); /* every resource dropped */
}

static void test_fetch(void) {
    sb_http_result out;
    sb_pair headers[] = {{"X-Key", "k"}};
    char body[5000];
    memset(body, 'b', sizeof body);
    answer_error = -1;
    CHECK(sb_http_fetch("PUT", "https://api.example.com:8443/v1?q=1#frag", headers, 1, body,
                        sizeof body, &out) == 0);
    CHECK(str_is(sent_request, "PUT https api.example.com:8443 /v1?q=1"));
    CHECK(finished_body.len == 5000 && finished_chunk_max == 4096);
    CHECK(out.status == 201);
    CHECK(str_is(out.body, "upstream says hi") && out.body_len == 16);
    CHECK(str_is(sb_http_result_header(&out, "CONTENT-TYPE"), "text/plain"));
    sb_http_result_free(&out);

    CHECK(sb_http_fetch(NULL, "http://127.0.0.1:9", NULL, 0, NULL, 0, &out) == 0);
    CHECK(str_is(sent_request, "GET http 127.0.0.1:9 /"));
    sb_http_result_free(&out);

    answer_error = WASI_HTTP_TYPES_ERROR_CODE_HTTP_REQUEST_DENIED;
    CHECK(sb_http_fetch("GET", "http://10.0.0.1/x", NULL, 0, NULL, 0, &out) == -1);
    CHECK(str_is(sb_last_error(), "GET http://10.0.0.1/x: HTTP-request-denied"));
    CHECK(out.status == 0 && out.body == NULL);
    answer_error = WASI_HTTP_TYPES_ERROR_CODE_DESTINATION_IP_PROHIBITED;
    CHECK(sb_http_fetch("GET", "http://10.0.0.1/", NULL, 0, NULL, 0, &out) == -1);
    CHECK(str_is(sb_last_error(), "GET http://10.0.0.1/: destination-IP-prohibited"));
    answer_error = -1;

    CHECK(sb_http_fetch("MKCOL", "http://h/", NULL, 0, NULL, 0, &out) == 0);
    CHECK(str_is(sent_request, "MKCOL http h /"));
    sb_http_result_free(&out);

    CHECK(sb_http_fetch("GET", "/relative", NULL, 0, NULL, 0, &out) == -1);
    CHECK(str_is(sb_last_error(), "GET /relative: not an absolute http:// or https:// URL"));
    CHECK(live == 0);
}

int main(void) {
    test_incoming();
    test_fetch();
    sb_buf_free(&finished_body);
    printf("http_test: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
