/*
 * HTTP handlers and outbound HTTP: the `wasi:http/incoming-handler`
 * export over sb_http_handle, and sb_http_fetch over
 * `wasi:http/outgoing-handler`. Included by switchboard.c when `build
 * --http` defines SB_EXPORT_HTTP (only that world has wasi:http), so it
 * uses that file's helpers: dup_n, dup_str, borrow, terminate, take,
 * set_last_error, lookup.
 */

/* The most bytes one blocking-write-and-flush may take (wasi:io's limit). */
#define SB_WRITE_CHUNK 4096
/* How much to ask for per read; the host may return less. */
#define SB_READ_CHUNK 65536

/* ------------------------------------------------------------------ */
/* Error codes                                                         */

/* The WIT names of wasi:http's error-code cases, in declaration order. */
static const char *const error_code_names[] = {
    "DNS-timeout", "DNS-error", "destination-not-found", "destination-unavailable",
    "destination-IP-prohibited", "destination-IP-unroutable", "connection-refused",
    "connection-terminated", "connection-timeout", "connection-read-timeout",
    "connection-write-timeout", "connection-limit-reached", "TLS-protocol-error",
    "TLS-certificate-error", "TLS-alert-received", "HTTP-request-denied",
    "HTTP-request-length-required", "HTTP-request-body-size", "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid", "HTTP-request-URI-too-long", "HTTP-request-header-section-size",
    "HTTP-request-header-size", "HTTP-request-trailer-section-size", "HTTP-request-trailer-size",
    "HTTP-response-incomplete", "HTTP-response-header-section-size", "HTTP-response-header-size",
    "HTTP-response-body-size", "HTTP-response-trailer-section-size", "HTTP-response-trailer-size",
    "HTTP-response-transfer-coding", "HTTP-response-content-coding", "HTTP-response-timeout",
    "HTTP-upgrade-failed", "HTTP-protocol-error", "loop-detected", "configuration-error",
    "internal-error",
};

/* sb_last_error() = "WHERE: CODE[: detail]"; frees `code`. Returns -1. */
static int http_failed(const char *where, wasi_http_types_error_code_t *code) {
    sb_buf text = SB_BUF_INIT;
    sb_buf_add(&text, where);
    sb_buf_add(&text, ": ");
    size_t count = sizeof error_code_names / sizeof *error_code_names;
    sb_buf_add(&text, code->tag < count ? error_code_names[code->tag] : "unknown-error");
    if (code->tag == WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR && code->val.internal_error.is_some) {
        sb_buf_add(&text, ": ");
        sb_buf_add_n(&text, code->val.internal_error.val.ptr, code->val.internal_error.val.len);
    }
    wasi_http_types_error_code_free(code);
    set_last_error(dup_str(sb_buf_str(&text)));
    sb_buf_free(&text);
    return -1;
}

static int plain_failed(const char *where, const char *what) {
    sb_buf text = SB_BUF_INIT;
    sb_buf_add(&text, where);
    sb_buf_add(&text, ": ");
    sb_buf_add(&text, what);
    set_last_error(dup_str(sb_buf_str(&text)));
    sb_buf_free(&text);
    return -1;
}

/* ------------------------------------------------------------------ */
/* Fields and bodies                                                   */

/*
 * Copies header fields into one allocation: the sb_pair array, then
 * every name (lower case) and value, NUL-terminated. free() it.
 */
static sb_pair *copy_fields(wasi_http_types_borrow_fields_t fields, size_t *count) {
    wasi_http_types_list_tuple2_field_name_field_value_t list;
    wasi_http_types_method_fields_entries(fields, &list);
    size_t bytes = (list.len + 1) * sizeof(sb_pair);
    for (size_t i = 0; i < list.len; i++) bytes += list.ptr[i].f0.len + list.ptr[i].f1.len + 2;
    sb_pair *out = malloc(bytes);
    if (!out) abort();
    char *text = (char *)(out + list.len + 1);
    for (size_t i = 0; i < list.len; i++) {
        out[i].name = text;
        for (size_t j = 0; j < list.ptr[i].f0.len; j++) {
            char c = (char)list.ptr[i].f0.ptr[j];
            *text++ = c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
        }
        *text++ = '\0';
        out[i].value = text;
        if (list.ptr[i].f1.len) memcpy(text, list.ptr[i].f1.ptr, list.ptr[i].f1.len);
        text += list.ptr[i].f1.len;
        *text++ = '\0';
    }
    out[list.len].name = out[list.len].value = NULL;
    *count = list.len;
    wasi_http_types_list_tuple2_field_name_field_value_free(&list);
    return out;
}

/* A new fields resource with these pairs; false (and sb_last_error) when
 * the host refuses a name or value. */
static bool make_fields(const sb_pair *pairs_in, size_t count, wasi_http_types_own_fields_t *out) {
    wasi_http_types_list_tuple2_field_name_field_value_t list = {
        malloc((count ? count : 1) * sizeof *list.ptr), count};
    if (!list.ptr) abort();
    for (size_t i = 0; i < count; i++) {
        list.ptr[i].f0 = borrow(pairs_in[i].name);
        list.ptr[i].f1.ptr = (uint8_t *)pairs_in[i].value;
        list.ptr[i].f1.len = strlen(pairs_in[i].value);
    }
    wasi_http_types_header_error_t err;
    bool ok = wasi_http_types_static_fields_from_list(&list, out, &err);
    free(list.ptr);
    if (!ok) {
        static const char *const reasons[] = {"invalid syntax", "forbidden", "immutable"};
        sb_buf text = SB_BUF_INIT;
        sb_buf_add(&text, "bad header (");
        sb_buf_add(&text, err.tag < 3 ? reasons[err.tag] : "refused");
        sb_buf_add(&text, ")");
        set_last_error(dup_str(sb_buf_str(&text)));
        sb_buf_free(&text);
    }
    return ok;
}

/* Reads an incoming body to its end and finishes it; `*out` is
 * malloc'ed and NUL-terminated. -1 on a stream error. */
static int read_body(wasi_http_types_own_incoming_body_t body, char **out, size_t *len) {
    sb_buf data = SB_BUF_INIT;
    int rc = 0;
    wasi_http_types_own_input_stream_t stream;
    if (!wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(body),
                                                     &stream)) {
        set_last_error(dup_str("the body was already read"));
        rc = -1;
    } else {
        wasi_io_streams_borrow_input_stream_t from = wasi_io_streams_borrow_input_stream(stream);
        for (;;) {
            c_guest_list_u8_t chunk;
            wasi_io_streams_stream_error_t err;
            if (!wasi_io_streams_method_input_stream_blocking_read(from, SB_READ_CHUNK, &chunk,
                                                                   &err)) {
                if (err.tag != WASI_IO_STREAMS_STREAM_ERROR_CLOSED) {
                    wasi_io_error_error_drop_own(err.val.last_operation_failed);
                    set_last_error(dup_str("reading the body failed"));
                    rc = -1;
                }
                break;
            }
            sb_buf_add_n(&data, chunk.ptr, chunk.len);
            c_guest_list_u8_free(&chunk);
        }
        wasi_io_streams_input_stream_drop_own(stream);
    }
    wasi_http_types_future_trailers_drop_own(wasi_http_types_static_incoming_body_finish(body));
    if (data.failed) {
        set_last_error(dup_str("out of memory"));
        rc = -1;
    }
    *len = data.len;
    *out = data.data ? data.data : dup_n("", 0);
    if (rc != 0) {
        free(*out);
        *out = NULL;
        *len = 0;
    }
    return rc;
}

/* Writes `bytes` to an outgoing body, at most SB_WRITE_CHUNK bytes per
 * blocking-write-and-flush, and finishes it. -1 on a stream error. */
static int write_body(wasi_http_types_own_outgoing_body_t body, const void *bytes, size_t len) {
    wasi_http_types_own_output_stream_t stream;
    int rc = 0;
    if (!wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(body),
                                                    &stream)) {
        wasi_http_types_outgoing_body_drop_own(body);
        set_last_error(dup_str("the body was already written"));
        return -1;
    }
    wasi_io_streams_borrow_output_stream_t to = wasi_io_streams_borrow_output_stream(stream);
    for (size_t at = 0; at < len;) {
        size_t n = len - at < SB_WRITE_CHUNK ? len - at : SB_WRITE_CHUNK;
        c_guest_list_u8_t chunk = {(uint8_t *)bytes + at, n};
        wasi_io_streams_stream_error_t err;
        if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(to, &chunk, &err)) {
            if (err.tag == WASI_IO_STREAMS_STREAM_ERROR_LAST_OPERATION_FAILED)
                wasi_io_error_error_drop_own(err.val.last_operation_failed);
            set_last_error(dup_str("writing the body failed (the peer went away)"));
            rc = -1;
            break;
        }
        at += n;
    }
    wasi_io_streams_output_stream_drop_own(stream);
    wasi_http_types_error_code_t code;
    if (!wasi_http_types_static_outgoing_body_finish(body, NULL, &code) && rc == 0)
        rc = http_failed("finishing the body", &code);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Query strings and cookies                                           */

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A malloc'ed copy of text[0..len) with %XX and `+` decoded. */
static char *form_decode(const char *text, size_t len) {
    char *out = dup_n(text, len), *w = out;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (text[i] == '+') {
            *w++ = ' ';
        } else if (text[i] == '%' && i + 2 < len && (hi = hex_value(text[i + 1])) >= 0 &&
                   (lo = hex_value(text[i + 2])) >= 0) {
            *w++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *w++ = text[i];
        }
    }
    *w = '\0';
    return out;
}

/* Splits `text` at `sep` into name=value pairs (malloc'ed, strings too;
 * free with free_pairs). `decode` applies form decoding; `trim` drops
 * leading spaces (cookies). */
static sb_pair *split_pairs(const char *text, char sep, bool decode, bool trim, size_t *count) {
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        if (*p == sep) cap++;
    sb_pair *out = malloc(cap * sizeof *out);
    if (!out) abort();
    size_t n = 0;
    const char *p = text;
    while (*p) {
        if (trim)
            while (*p == ' ') p++;
        const char *end = strchr(p, sep);
        if (!end) end = p + strlen(p);
        if (end > p) {
            const char *eq = memchr(p, '=', (size_t)(end - p));
            const char *name_end = eq ? eq : end;
            const char *value = eq ? eq + 1 : end;
            out[n].name = decode ? form_decode(p, (size_t)(name_end - p))
                                 : dup_n(p, (size_t)(name_end - p));
            out[n].value = decode ? form_decode(value, (size_t)(end - value))
                                  : dup_n(value, (size_t)(end - value));
            n++;
        }
        p = *end ? end + 1 : end;
    }
    *count = n;
    return out;
}

static void free_pairs(sb_pair *list, size_t count) {
    for (size_t i = 0; i < count; i++) {
        free((void *)list[i].name);
        free((void *)list[i].value);
    }
    free(list);
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */

void sb_http_set_status(sb_http_response *res, int status) { res->status = status; }

int sb_http_add_header(sb_http_response *res, const char *name, const char *value) {
    if (res->header_count == res->header_cap) {
        size_t cap = res->header_cap ? res->header_cap * 2 : 4;
        sb_pair *grown = realloc(res->headers, cap * sizeof *grown);
        if (!grown) abort();
        res->headers = grown;
        res->header_cap = cap;
    }
    char *lower_name = dup_str(name);
    for (char *c = lower_name; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + ('a' - 'A'));
    res->headers[res->header_count].name = lower_name;
    res->headers[res->header_count].value = dup_str(value);
    res->header_count++;
    return 0;
}

void sb_http_set_body(sb_http_response *res, const void *bytes, size_t len) {
    res->body.len = 0;
    res->body.failed = false;
    sb_buf_add_n(&res->body, bytes, len);
}

void sb_http_set_json(sb_http_response *res, int status, const char *json) {
    sb_http_set_status(res, status);
    sb_http_add_header(res, "content-type", "application/json");
    sb_http_set_body(res, json, strlen(json));
}

static void response_reset(sb_http_response *res) {
    free_pairs(res->headers, res->header_count);
    sb_buf_free(&res->body);
    sb_http_response empty = {200, NULL, 0, 0, SB_BUF_INIT};
    *res = empty;
}

/* 500 {"error": message}. */
static void response_error(sb_http_response *res, const char *message) {
    response_reset(res);
    sb_buf json = SB_BUF_INIT;
    sb_buf_add(&json, "{\"error\":");
    sb_buf_add_json_string(&json, message && *message ? message : "failed");
    sb_buf_add(&json, "}");
    sb_http_set_json(res, 500, sb_buf_str(&json));
    sb_buf_free(&json);
}

/* ------------------------------------------------------------------ */
/* The incoming-handler export                                         */

static const char *method_name(wasi_http_types_method_t *method) {
    static const char *const names[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                        "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    if (method->tag == WASI_HTTP_TYPES_METHOD_OTHER) return terminate(&method->val.other);
    return method->tag < 9 ? names[method->tag] : "GET";
}

void exports_wasi_http_incoming_handler_handle(
    exports_wasi_http_incoming_handler_own_incoming_request_t request,
    exports_wasi_http_incoming_handler_own_response_outparam_t response_out) {
    call_begin();
    wasi_http_types_borrow_incoming_request_t in = wasi_http_types_borrow_incoming_request(request);

    wasi_http_types_method_t method;
    wasi_http_types_method_incoming_request_method(in, &method);
    c_guest_string_t target;
    if (!wasi_http_types_method_incoming_request_path_with_query(in, &target)) {
        target.ptr = NULL;
        target.len = 0;
    }
    const char *path_with_query = target.len ? terminate(&target) : "/";
    wasi_http_types_own_headers_t header_fields = wasi_http_types_method_incoming_request_headers(in);
    size_t header_count;
    sb_pair *headers = copy_fields(wasi_http_types_borrow_fields(header_fields), &header_count);
    wasi_http_types_fields_drop_own(header_fields);

    sb_http_response res = {200, NULL, 0, 0, SB_BUF_INIT};
    char *body = NULL;
    size_t body_len = 0;
    wasi_http_types_own_incoming_body_t incoming;
    int read = -1;
    if (wasi_http_types_method_incoming_request_consume(in, &incoming))
        read = read_body(incoming, &body, &body_len);
    else
        set_last_error(dup_str("the request body was already taken"));

    const char *question = strchr(path_with_query, '?');
    char *path = question ? dup_n(path_with_query, (size_t)(question - path_with_query))
                          : dup_str(path_with_query);
    const char *query = question ? question + 1 : "";
    sb_http_request view = {0};
    view.method = method_name(&method);
    view.path = path;
    view.query = query;
    view.query_params = split_pairs(query, '&', true, false, &view.query_param_count);
    view.headers = headers;
    view.header_count = header_count;
    view.http.path_with_query = path_with_query;
    view.http.body = body;
    view.http.body_len = body_len;
    /* Every Cookie header's pairs, in order. */
    sb_buf cookies = SB_BUF_INIT;
    for (size_t i = 0; i < header_count; i++) {
        if (strcmp(headers[i].name, "cookie") != 0) continue;
        if (cookies.len) sb_buf_add_char(&cookies, ';');
        sb_buf_add(&cookies, headers[i].value);
    }
    view.cookies = split_pairs(sb_buf_str(&cookies), ';', false, true, &view.cookie_count);

    if (read != 0)
        response_error(&res, sb_last_error());
    else if (sb_http_handle(&view, &res) != 0)
        response_error(&res, sb_last_error());
    else if (res.body.failed)
        response_error(&res, "out of memory");
    else if (res.status < 100 || res.status > 599)
        response_error(&res, "sb_http_handle set a status outside 100-599");

    wasi_http_types_own_fields_t fields;
    if (!make_fields(res.headers, res.header_count, &fields)) {
        response_error(&res, sb_last_error());
        make_fields(res.headers, res.header_count, &fields);
    }
    wasi_http_types_own_outgoing_response_t response = wasi_http_types_constructor_outgoing_response(fields);
    wasi_http_types_borrow_outgoing_response_t out = wasi_http_types_borrow_outgoing_response(response);
    wasi_http_types_method_outgoing_response_set_status_code(out, (uint16_t)res.status);
    wasi_http_types_own_outgoing_body_t outgoing;
    wasi_http_types_method_outgoing_response_body(out, &outgoing);
    wasi_http_types_result_own_outgoing_response_error_code_t result;
    result.is_err = false;
    result.val.ok = response;
    wasi_http_types_static_response_outparam_set(response_out, &result);
    /* The status is sent; a write that fails now means the client left. */
    write_body(outgoing, res.body.data, res.body.len);

    response_reset(&res);
    sb_buf_free(&cookies);
    free_pairs((sb_pair *)view.cookies, view.cookie_count);
    free_pairs((sb_pair *)view.query_params, view.query_param_count);
    free(path);
    free(body);
    free(headers);
    c_guest_string_free(&target);
    wasi_http_types_method_free(&method);
    wasi_http_types_incoming_request_drop_own(request);
}

/* ------------------------------------------------------------------ */
/* Outbound requests                                                   */

static void set_method(wasi_http_types_method_t *out, const char *method) {
    static const char *const names[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                        "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    for (uint8_t i = 0; i < 9; i++) {
        if (strcmp(method, names[i]) == 0) {
            out->tag = i;
            return;
        }
    }
    out->tag = WASI_HTTP_TYPES_METHOD_OTHER;
    out->val.other = borrow(method);
}

int sb_http_fetch(const char *method, const char *url, const sb_pair *headers, size_t header_count,
                  const void *body, size_t body_len, sb_http_result *out) {
    memset(out, 0, sizeof *out);
    if (!method) method = "GET";
    sb_buf where_buf = SB_BUF_INIT;
    sb_buf_add(&where_buf, method);
    sb_buf_add_char(&where_buf, ' ');
    sb_buf_add(&where_buf, url ? url : "(null)");
    const char *where = sb_buf_str(&where_buf);
    int rc = -1;

    /* scheme://authority[/path][?query][#fragment] */
    wasi_http_types_scheme_t scheme;
    const char *rest = NULL;
    if (url && strncmp(url, "http://", 7) == 0) {
        scheme.tag = WASI_HTTP_TYPES_SCHEME_HTTP;
        rest = url + 7;
    } else if (url && strncmp(url, "https://", 8) == 0) {
        scheme.tag = WASI_HTTP_TYPES_SCHEME_HTTPS;
        rest = url + 8;
    }
    size_t authority_len = rest ? strcspn(rest, "/?#") : 0;
    if (!rest || authority_len == 0) {
        plain_failed(where, "not an absolute http:// or https:// URL");
        sb_buf_free(&where_buf);
        return -1;
    }
    char *authority = dup_n(rest, authority_len);
    const char *target = rest + authority_len;
    size_t target_len = strcspn(target, "#");
    sb_buf path = SB_BUF_INIT;
    if (target_len == 0 || target[0] != '/') sb_buf_add_char(&path, '/');
    sb_buf_add_n(&path, target, target_len);

    wasi_http_types_own_fields_t fields;
    if (!make_fields(headers, headers ? header_count : 0, &fields)) {
        plain_failed(where, sb_last_error());
        goto done;
    }
    wasi_http_types_own_outgoing_request_t request = wasi_http_types_constructor_outgoing_request(fields);
    wasi_http_types_borrow_outgoing_request_t req = wasi_http_types_borrow_outgoing_request(request);
    wasi_http_types_method_t wit_method;
    set_method(&wit_method, method);
    c_guest_string_t authority_str = borrow(authority), path_str = borrow(sb_buf_str(&path));
    if (!wasi_http_types_method_outgoing_request_set_method(req, &wit_method) ||
        !wasi_http_types_method_outgoing_request_set_scheme(req, &scheme) ||
        !wasi_http_types_method_outgoing_request_set_authority(req, &authority_str) ||
        !wasi_http_types_method_outgoing_request_set_path_with_query(req, &path_str)) {
        wasi_http_types_outgoing_request_drop_own(request);
        plain_failed(where, "the method, host or path is not valid");
        goto done;
    }
    wasi_http_types_own_outgoing_body_t outgoing;
    wasi_http_types_method_outgoing_request_body(req, &outgoing);

    wasi_http_types_own_future_incoming_response_t future;
    wasi_http_types_error_code_t code;
    if (!wasi_http_outgoing_handler_handle(request, NULL, &future, &code)) {
        wasi_http_types_outgoing_body_drop_own(outgoing);
        http_failed(where, &code);
        goto done;
    }
    if (write_body(outgoing, body, body ? body_len : 0) != 0) {
        wasi_http_types_future_incoming_response_drop_own(future);
        plain_failed(where, sb_last_error());
        goto done;
    }

    wasi_http_types_borrow_future_incoming_response_t pending =
        wasi_http_types_borrow_future_incoming_response(future);
    wasi_http_types_own_pollable_t ready =
        wasi_http_types_method_future_incoming_response_subscribe(pending);
    wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(ready));
    wasi_io_poll_pollable_drop_own(ready);
    wasi_http_types_result_result_own_incoming_response_error_code_void_t got;
    bool some = wasi_http_types_method_future_incoming_response_get(pending, &got);
    wasi_http_types_future_incoming_response_drop_own(future);
    if (!some || got.is_err) {
        plain_failed(where, "the response was already taken");
        goto done;
    }
    if (got.val.ok.is_err) {
        http_failed(where, &got.val.ok.val.err);
        goto done;
    }
    wasi_http_types_own_incoming_response_t response = got.val.ok.val.ok;
    wasi_http_types_borrow_incoming_response_t resp = wasi_http_types_borrow_incoming_response(response);
    out->status = wasi_http_types_method_incoming_response_status(resp);
    wasi_http_types_own_headers_t response_fields = wasi_http_types_method_incoming_response_headers(resp);
    out->headers = copy_fields(wasi_http_types_borrow_fields(response_fields), &out->header_count);
    wasi_http_types_fields_drop_own(response_fields);
    wasi_http_types_own_incoming_body_t incoming;
    if (!wasi_http_types_method_incoming_response_consume(resp, &incoming)) {
        plain_failed(where, "the response body was already taken");
    } else if (read_body(incoming, &out->body, &out->body_len) != 0) {
        plain_failed(where, sb_last_error());
    } else {
        rc = 0;
    }
    wasi_http_types_incoming_response_drop_own(response);
    if (rc != 0) sb_http_result_free(out);

done:
    free(authority);
    sb_buf_free(&path);
    sb_buf_free(&where_buf);
    return rc;
}
