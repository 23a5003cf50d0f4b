/*
 * The text buffer and JSON helper of switchboard.h. Plain C99 with no
 * dependency on the host, so it also builds natively for tests
 * (guest-sdk/c/test/json_test.c).
 */
#include "switchboard.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* serde_json's nesting limit; deeper values are refused. */
#define MAX_DEPTH 128

/* ------------------------------------------------------------------ */
/* sb_buf                                                              */

static bool buf_reserve(sb_buf *buf, size_t extra) {
    if (buf->failed) return false;
    if (buf->len + extra + 1 <= buf->cap) return true;
    size_t cap = buf->cap ? buf->cap : 64;
    while (cap < buf->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            buf->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *data = realloc(buf->data, cap);
    if (!data) {
        buf->failed = true;
        return false;
    }
    buf->data = data;
    buf->cap = cap;
    return true;
}

void sb_buf_add_n(sb_buf *buf, const void *bytes, size_t len) {
    if (!buf_reserve(buf, len)) return;
    if (len) memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

void sb_buf_add(sb_buf *buf, const char *text) { sb_buf_add_n(buf, text, strlen(text)); }

void sb_buf_add_char(sb_buf *buf, char c) { sb_buf_add_n(buf, &c, 1); }

void sb_buf_add_int(sb_buf *buf, long long value) {
    char digits[24];
    size_t n = 0;
    /* Work with the negative value so LLONG_MIN needs no special case. */
    long long v = value < 0 ? value : -value;
    do {
        digits[n++] = (char)('0' - (v % 10));
        v /= 10;
    } while (v);
    if (value < 0) sb_buf_add_char(buf, '-');
    while (n) sb_buf_add_char(buf, digits[--n]);
}

void sb_buf_add_json_string_n(sb_buf *buf, const char *text, size_t len) {
    static const char hex[] = "0123456789abcdef";
    sb_buf_add_char(buf, '"');
    size_t run = 0; /* start of the bytes not yet copied */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        const char *esc = NULL;
        char u[6];
        if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c == '\b') esc = "\\b";
        else if (c == '\f') esc = "\\f";
        else if (c == '\n') esc = "\\n";
        else if (c == '\r') esc = "\\r";
        else if (c == '\t') esc = "\\t";
        else if (c < 0x20) {
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
        } else continue;
        sb_buf_add_n(buf, text + run, i - run);
        if (esc) sb_buf_add(buf, esc);
        else sb_buf_add_n(buf, u, 6);
        run = i + 1;
    }
    sb_buf_add_n(buf, text + run, len - run);
    sb_buf_add_char(buf, '"');
}

void sb_buf_add_json_string(sb_buf *buf, const char *text) {
    sb_buf_add_json_string_n(buf, text, strlen(text));
}

const char *sb_buf_str(const sb_buf *buf) { return buf->data ? buf->data : ""; }

void sb_buf_free(sb_buf *buf) {
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
    buf->failed = false;
}

/* ------------------------------------------------------------------ */
/* Scanning                                                            */

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* p at '"'; returns the position after the closing quote, or NULL. */
static const char *skip_string(const char *p, const char *end) {
    for (p++; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') return p + 1;
        if (c < 0x20) return NULL;
        if (c != '\\') continue;
        if (++p >= end) return NULL;
        switch (*p) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            break;
        case 'u':
            if (end - p < 5) return NULL;
            for (int i = 1; i <= 4; i++)
                if (hex_value(p[i]) < 0) return NULL;
            p += 4;
            break;
        default:
            return NULL;
        }
    }
    return NULL;
}

static const char *skip_digits(const char *p, const char *end) {
    if (p >= end || !is_digit(*p)) return NULL;
    while (p < end && is_digit(*p)) p++;
    return p;
}

static const char *skip_number(const char *p, const char *end) {
    if (p < end && *p == '-') p++;
    if (p < end && *p == '0') p++;
    else if (!(p = skip_digits(p, end))) return NULL;
    if (p < end && *p == '.' && !(p = skip_digits(p + 1, end))) return NULL;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (!(p = skip_digits(p, end))) return NULL;
    }
    return p;
}

static const char *skip_literal(const char *p, const char *end, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(end - p) < n || memcmp(p, word, n) != 0) return NULL;
    return p + n;
}

static const char *skip_value(const char *p, const char *end, int depth);

/* Calls `member` (when not NULL) for each member of the object at p. */
typedef bool (*member_fn)(void *ctx, const char *key, const char *key_end, const char *value,
                          const char *value_end);

static const char *walk_object(const char *p, const char *end, int depth, member_fn member,
                               void *ctx) {
    if (depth > MAX_DEPTH) return NULL;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') return p + 1;
    for (;;) {
        if (p >= end || *p != '"') return NULL;
        const char *key = p;
        const char *key_end = skip_string(p, end);
        if (!key_end) return NULL;
        p = skip_ws(key_end, end);
        if (p >= end || *p != ':') return NULL;
        const char *value = skip_ws(p + 1, end);
        const char *value_end = skip_value(value, end, depth + 1);
        if (!value_end) return NULL;
        if (member && !member(ctx, key, key_end, value, value_end)) return NULL;
        p = skip_ws(value_end, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}') return p + 1;
        return NULL;
    }
}

static const char *skip_array(const char *p, const char *end, int depth) {
    if (depth > MAX_DEPTH) return NULL;
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']') return p + 1;
    for (;;) {
        if (!(p = skip_value(p, end, depth + 1))) return NULL;
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == ']') return p + 1;
        return NULL;
    }
}

/* p at the first byte of a value; returns the position after it. */
static const char *skip_value(const char *p, const char *end, int depth) {
    if (p >= end) return NULL;
    switch (*p) {
    case '"': return skip_string(p, end);
    case '{': return walk_object(p, end, depth, NULL, NULL);
    case '[': return skip_array(p, end, depth);
    case 't': return skip_literal(p, end, "true");
    case 'f': return skip_literal(p, end, "false");
    case 'n': return skip_literal(p, end, "null");
    default: return (*p == '-' || is_digit(*p)) ? skip_number(p, end) : NULL;
    }
}

/* The span's one value without surrounding whitespace, or false. */
static bool trim_value(sb_span span, const char **start, const char **stop) {
    if (!span.ptr) return false;
    const char *end = span.ptr + span.len;
    const char *p = skip_ws(span.ptr, end);
    const char *q = skip_value(p, end, 0);
    if (!q || skip_ws(q, end) != end) return false;
    *start = p;
    *stop = q;
    return true;
}

/* ------------------------------------------------------------------ */
/* Strings                                                             */

static void add_utf8(sb_buf *out, unsigned long cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sb_buf_add_n(out, b, n);
}

static unsigned long read_hex4(const char *p) {
    return (unsigned long)(hex_value(p[0]) << 12 | hex_value(p[1]) << 8 | hex_value(p[2]) << 4 |
                           hex_value(p[3]));
}

/* Appends the decoded contents of the (already validated) string literal
 * [p, end). False on a lone surrogate. */
static bool decode_into(sb_buf *out, const char *p, const char *end) {
    p++;       /* opening quote */
    end--;     /* closing quote */
    while (p < end) {
        const char *run = p;
        while (p < end && *p != '\\') p++;
        sb_buf_add_n(out, run, (size_t)(p - run));
        if (p >= end) break;
        char c = p[1];
        p += 2;
        switch (c) {
        case 'b': sb_buf_add_char(out, '\b'); break;
        case 'f': sb_buf_add_char(out, '\f'); break;
        case 'n': sb_buf_add_char(out, '\n'); break;
        case 'r': sb_buf_add_char(out, '\r'); break;
        case 't': sb_buf_add_char(out, '\t'); break;
        case 'u': {
            unsigned long cp = read_hex4(p);
            p += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return false;
                unsigned long low = read_hex4(p + 2);
                if (low < 0xDC00 || low > 0xDFFF) return false;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                p += 6;
            }
            add_utf8(out, cp);
            break;
        }
        default: sb_buf_add_char(out, c); break; /* " \ / */
        }
    }
    return !out->failed;
}

/* Whether the string literal [p, end) decodes to `name`. */
static bool key_equals(const char *p, const char *end, const char *name) {
    size_t n = strlen(name);
    if (!memchr(p, '\\', (size_t)(end - p)))
        return (size_t)(end - p) == n + 2 && memcmp(p + 1, name, n) == 0;
    sb_buf key = SB_BUF_INIT;
    bool same = decode_into(&key, p, end) && key.len == n && memcmp(sb_buf_str(&key), name, n) == 0;
    sb_buf_free(&key);
    return same;
}

/* ------------------------------------------------------------------ */
/* Public JSON functions                                               */

sb_span sb_span_of(const char *text) {
    sb_span span = {text, text ? strlen(text) : 0};
    return span;
}

sb_span sb_request_span(const sb_request *req) {
    sb_span span = {req->data, req->data_len};
    return span;
}

sb_span sb_job_span(const sb_job *job) {
    sb_span span = {job->payload, job->payload_len};
    return span;
}

char sb_json_kind(sb_span value) {
    const char *p, *q;
    if (!trim_value(value, &p, &q)) return 0;
    return (*p == '-' || is_digit(*p)) ? '0' : *p;
}

struct field_search {
    const char *name;
    sb_span found;
    bool hit;
};

static bool match_field(void *ctx, const char *key, const char *key_end, const char *value,
                        const char *value_end) {
    struct field_search *s = ctx;
    if (key_equals(key, key_end, s->name)) {
        s->found.ptr = value;
        s->found.len = (size_t)(value_end - value);
        s->hit = true;
    }
    return true;
}

bool sb_json_field(sb_span object, const char *name, sb_span *value) {
    if (!object.ptr) return false;
    const char *end = object.ptr + object.len;
    const char *p = skip_ws(object.ptr, end);
    if (p >= end || *p != '{') return false;
    struct field_search s = {name, {NULL, 0}, false};
    const char *q = walk_object(p, end, 0, match_field, &s);
    if (!q || skip_ws(q, end) != end || !s.hit) return false;
    *value = s.found;
    return true;
}

char *sb_json_decode_string(sb_span value) {
    const char *p, *q;
    if (!trim_value(value, &p, &q) || *p != '"') return NULL;
    sb_buf out = SB_BUF_INIT;
    if (!decode_into(&out, p, q)) {
        sb_buf_free(&out);
        return NULL;
    }
    if (!out.data) return calloc(1, 1);
    return out.data;
}

char *sb_json_get_string(sb_span object, const char *name) {
    sb_span value;
    return sb_json_field(object, name, &value) ? sb_json_decode_string(value) : NULL;
}

bool sb_json_array(sb_span array, sb_json_iter *iter) {
    const char *p, *q;
    if (!trim_value(array, &p, &q) || *p != '[') return false;
    iter->pos = p + 1;
    iter->end = q - 1; /* the closing ']' */
    iter->started = false;
    return true;
}

bool sb_json_next(sb_json_iter *iter, sb_span *element) {
    const char *p = skip_ws(iter->pos, iter->end);
    if (iter->started) {
        if (p >= iter->end || *p != ',') return false;
        p = skip_ws(p + 1, iter->end);
    }
    if (p >= iter->end) return false;
    const char *q = skip_value(p, iter->end, 1);
    if (!q) return false;
    iter->pos = q;
    iter->started = true;
    element->ptr = p;
    element->len = (size_t)(q - p);
    return true;
}

char **sb_json_strings(sb_span array, size_t *count) {
    sb_json_iter it;
    sb_span item;
    if (!sb_json_array(array, &it)) return NULL;
    sb_buf text = SB_BUF_INIT;  /* the strings, each NUL-terminated */
    size_t n = 0;
    while (sb_json_next(&it, &item)) {
        if (*item.ptr != '"' || !decode_into(&text, item.ptr, item.ptr + item.len)) {
            sb_buf_free(&text);
            return NULL;
        }
        sb_buf_add_char(&text, '\0');
        n++;
    }
    size_t head = (n + 1) * sizeof(char *);
    char **list = text.failed ? NULL : malloc(head + text.len);
    if (list) {
        char *s = (char *)list + head;
        if (text.len) memcpy(s, text.data, text.len);
        for (size_t i = 0; i < n; i++) {
            list[i] = s;
            s += strlen(s) + 1;
        }
        list[n] = NULL;
        if (count) *count = n;
    }
    sb_buf_free(&text);
    return list;
}

/* ------------------------------------------------------------------ */
/* Canonical form                                                      */

/*
 * Unsigned integers of up to 1,280 bits, enough for the exact scaled
 * values of any double; for shortest_digits.
 */
#define BIG_WORDS 40
typedef struct {
    uint32_t w[BIG_WORDS]; /* little-endian */
    int n;                 /* words in use; w[n-1] != 0, or n == 0 */
} big;

static void big_set(big *b, uint64_t v) {
    b->n = 0;
    while (v) {
        b->w[b->n++] = (uint32_t)v;
        v >>= 32;
    }
}

static void big_mul(big *b, uint32_t m) {
    uint64_t carry = 0;
    for (int i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * m + carry;
        b->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry && b->n < BIG_WORDS) b->w[b->n++] = (uint32_t)carry;
}

static void big_shl(big *b, int bits) {
    for (; bits >= 16; bits -= 16) big_mul(b, 1u << 16);
    if (bits) big_mul(b, 1u << bits);
}

static void big_pow10(big *b, int k) {
    for (; k >= 9; k -= 9) big_mul(b, 1000000000u);
    for (; k > 0; k--) big_mul(b, 10);
}

static int big_cmp(const big *a, const big *b) {
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

static void big_add(big *a, const big *b) { /* a += b */
    uint64_t carry = 0;
    int n = a->n > b->n ? a->n : b->n;
    for (int i = 0; i < n; i++) {
        uint64_t t = carry + (i < a->n ? a->w[i] : 0) + (i < b->n ? b->w[i] : 0);
        a->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    a->n = n;
    if (carry && a->n < BIG_WORDS) a->w[a->n++] = (uint32_t)carry;
}

static void big_sub(big *a, const big *b) { /* a -= b, a >= b */
    int64_t borrow = 0;
    for (int i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;
        borrow = t < 0;
        a->w[i] = (uint32_t)(t + (borrow << 32));
    }
    while (a->n && !a->w[a->n - 1]) a->n--;
}

/* r + m compared with s. */
static int big_cmp_sum(const big *r, const big *m, const big *s) {
    big t = *r;
    big_add(&t, m);
    return big_cmp(&t, s);
}

/*
 * The shortest digits that read back as the positive finite `d`, the
 * nearest such when there are several (Steele & White's free-format
 * method, as Burger and Dybvig state it). Returns the digit count; *exp10
 * receives the power of ten of the first digit.
 */
static size_t shortest_digits(double d, char digits[24], int *exp10) {
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    int biased = (int)((bits >> 52) & 0x7FF);
    uint64_t f = bits & ((1ULL << 52) - 1);
    int e;
    if (biased) {
        f |= 1ULL << 52;
        e = biased - 1075;
    } else {
        e = -1074;
    }
    bool even = (f & 1) == 0; /* ties round to even: bounds are inclusive */
    bool uneven_gap = biased > 1 && f == 1ULL << 52;
    big r, s, m_plus, m_minus;
    big_set(&r, f);
    if (e >= 0) {
        big_set(&m_minus, 1);
        big_shl(&m_minus, e);
        m_plus = m_minus;
        if (uneven_gap) big_mul(&m_plus, 2);
        big_shl(&r, e + (uneven_gap ? 2 : 1));
        big_set(&s, uneven_gap ? 4 : 2);
    } else {
        big_set(&m_minus, 1);
        big_set(&m_plus, uneven_gap ? 2 : 1);
        big_shl(&r, uneven_gap ? 2 : 1);
        big_set(&s, 1);
        big_shl(&s, -e + (uneven_gap ? 2 : 1));
    }
    /* Scale so that the digits start right after the decimal point. */
    int bit_length = 0;
    for (uint64_t v = f; v; v >>= 1) bit_length++;
    int k = (int)((e + bit_length - 1) * 0.30102999566398114);
    if (k >= 0) {
        big_pow10(&s, k);
    } else {
        big_pow10(&r, -k);
        big_pow10(&m_plus, -k);
        big_pow10(&m_minus, -k);
    }
    while (even ? big_cmp_sum(&r, &m_plus, &s) >= 0 : big_cmp_sum(&r, &m_plus, &s) > 0) {
        big_mul(&s, 10);
        k++;
    }
    size_t n = 0;
    for (;;) {
        big_mul(&r, 10);
        big_mul(&m_plus, 10);
        big_mul(&m_minus, 10);
        int digit = 0;
        while (big_cmp(&r, &s) >= 0) {
            big_sub(&r, &s);
            digit++;
        }
        int low_cmp = big_cmp(&r, &m_minus);
        int high_cmp = big_cmp_sum(&r, &m_plus, &s);
        bool low = even ? low_cmp <= 0 : low_cmp < 0;
        bool high = even ? high_cmp >= 0 : high_cmp > 0;
        if (!low && !high && n < 23) {
            digits[n++] = (char)('0' + digit);
            continue;
        }
        if (low && high) { /* the nearer digit; on a tie, the even one */
            big twice = r;
            big_mul(&twice, 2);
            int c = big_cmp(&twice, &s);
            high = c > 0 || (c == 0 && digit % 2 == 1);
        }
        digits[n++] = (char)('0' + digit + (high ? 1 : 0));
        break;
    }
    *exp10 = k - 1;
    return n;
}

/* Shortest text that reads back as `d`, laid out as serde_json does. */
static void add_double(sb_buf *out, double d) {
    if (d == 0) {
        sb_buf_add(out, signbit(d) ? "-0.0" : "0.0");
        return;
    }
    if (d < 0) {
        sb_buf_add_char(out, '-');
        d = -d;
    }
    char digits[24];
    int exp10;
    size_t n = shortest_digits(d, digits, &exp10);
    while (n > 1 && digits[n - 1] == '0') n--;
    int kk = exp10 + 1;      /* digits before the decimal point */
    int k = kk - (int)n;     /* value = digits * 10^k */
    if (k >= 0 && kk <= 16) {
        sb_buf_add_n(out, digits, n);
        for (int i = 0; i < k; i++) sb_buf_add_char(out, '0');
        sb_buf_add(out, ".0");
    } else if (kk > 0 && kk <= 16) {
        sb_buf_add_n(out, digits, (size_t)kk);
        sb_buf_add_char(out, '.');
        sb_buf_add_n(out, digits + kk, n - (size_t)kk);
    } else if (kk > -5 && kk <= 0) {
        sb_buf_add(out, "0.");
        for (int i = 0; i < -kk; i++) sb_buf_add_char(out, '0');
        sb_buf_add_n(out, digits, n);
    } else {
        sb_buf_add_char(out, digits[0]);
        if (n > 1) {
            sb_buf_add_char(out, '.');
            sb_buf_add_n(out, digits + 1, n - 1);
        }
        sb_buf_add(out, kk - 1 < 0 ? "e" : "e+");
        sb_buf_add_int(out, kk - 1);
    }
}

static void add_u64(sb_buf *out, uint64_t value) {
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n) sb_buf_add_char(out, digits[--n]);
}

/* Powers of ten 1e0..1e308, as the compiler rounds the literals. */
#define P1(n) 1e##n
#define P10(n) P1(n##0), P1(n##1), P1(n##2), P1(n##3), P1(n##4), P1(n##5), P1(n##6), \
    P1(n##7), P1(n##8), P1(n##9)
static const double pow10_table[309] = {
    P1(0), P1(1), P1(2), P1(3), P1(4), P1(5), P1(6), P1(7), P1(8), P1(9),
    P10(1), P10(2), P10(3), P10(4), P10(5), P10(6), P10(7), P10(8), P10(9), P10(10),
    P10(11), P10(12), P10(13), P10(14), P10(15), P10(16), P10(17), P10(18), P10(19), P10(20),
    P10(21), P10(22), P10(23), P10(24), P10(25), P10(26), P10(27), P10(28), P10(29),
    P1(300), P1(301), P1(302), P1(303), P1(304), P1(305), P1(306), P1(307), P1(308),
};

/* significand * 10^exponent, computed the way serde_json does without its
 * `float_roundtrip` feature (so the digits match the Rust SDK's, even
 * where that is off by one unit in the last place). False when out of
 * range. */
static bool from_parts(uint64_t significand, int exponent, double *out) {
    const double *pow10 = pow10_table;
    double f = (double)significand;
    for (;;) {
        unsigned magnitude = exponent < 0 ? 0u - (unsigned)exponent : (unsigned)exponent;
        if (magnitude <= 308) {
            if (exponent >= 0) {
                f *= pow10[magnitude];
                if (isinf(f)) return false;
            } else {
                f /= pow10[magnitude];
            }
            break;
        }
        if (f == 0) break;
        if (exponent >= 0) return false;
        f /= 1e308;
        exponent += 308;
    }
    *out = f;
    return true;
}

/* Whether significand * 10 + digit would overflow u64. */
static bool overflows(uint64_t significand, unsigned digit) {
    return significand >= UINT64_MAX / 10 &&
           (significand > UINT64_MAX / 10 || digit > UINT64_MAX % 10);
}

/* Writes the (valid) number [p, end) as serde_json reads and writes it:
 * integers that fit u64, or i64 when negative, as they are; everything
 * else as a double in its shortest form. */
static bool add_number(sb_buf *out, const char *p, const char *end) {
    bool negative = *p == '-';
    if (negative) p++;
    uint64_t significand = 0;
    int exponent = 0;
    bool overflowed = false, is_float = false;
    for (; p < end && is_digit(*p); p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (overflowed || overflows(significand, digit)) {
            overflowed = is_float = true; /* further digits only scale */
            exponent++;
        } else {
            significand = significand * 10 + digit;
        }
    }
    if (p < end && *p == '.') {
        is_float = true;
        for (p++; p < end && is_digit(*p); p++) {
            unsigned digit = (unsigned)(*p - '0');
            if (overflowed || overflows(significand, digit)) {
                overflowed = true; /* further digits are dropped */
            } else {
                significand = significand * 10 + digit;
                exponent--;
            }
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        is_float = true;
        p++;
        bool exp_negative = *p == '-';
        if (*p == '+' || *p == '-') p++;
        int32_t value = 0;
        for (; p < end; p++) {
            int digit = *p - '0';
            if (value >= INT32_MAX / 10 && (value > INT32_MAX / 10 || digit > INT32_MAX % 10)) {
                /* A huge exponent: serde_json refuses it, or reads zero. */
                if (significand != 0 && !exp_negative) return false;
                add_double(out, negative ? -0.0 : 0.0);
                return true;
            }
            value = value * 10 + digit;
        }
        long long total = (long long)exponent + (exp_negative ? -(long long)value : value);
        exponent = total > INT32_MAX ? INT32_MAX : total < INT32_MIN ? INT32_MIN : (int)total;
    }
    if (!is_float) {
        if (!negative) {
            add_u64(out, significand);
            return true;
        }
        if (significand != 0 && significand <= (uint64_t)INT64_MAX + 1) {
            sb_buf_add_char(out, '-');
            add_u64(out, significand);
            return true;
        }
        add_double(out, -(double)significand); /* -0 and below i64 */
        return true;
    }
    double d;
    if (!from_parts(significand, exponent, &d)) return false;
    add_double(out, negative ? -d : d);
    return true;
}

struct member {
    const char *key; /* decoded, inside `keys` */
    size_t key_len;
    size_t index;
    const char *value;
    const char *value_end;
};

struct members {
    struct member *items;
    size_t count, cap;
    sb_buf keys;
    size_t *offsets;
};

static bool collect_member(void *ctx, const char *key, const char *key_end, const char *value,
                           const char *value_end) {
    struct members *m = ctx;
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        struct member *items = realloc(m->items, cap * sizeof *items);
        size_t *offsets = realloc(m->offsets, cap * sizeof *offsets);
        if (items) m->items = items;
        if (offsets) m->offsets = offsets;
        if (!items || !offsets) return false;
        m->cap = cap;
    }
    size_t start = m->keys.len;
    if (!decode_into(&m->keys, key, key_end)) return false;
    struct member *it = &m->items[m->count];
    it->key_len = m->keys.len - start;
    it->index = m->count;
    it->value = value;
    it->value_end = value_end;
    m->offsets[m->count++] = start;
    return true;
}

static int compare_members(const void *a, const void *b) {
    const struct member *x = a, *y = b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = n ? memcmp(x->key, y->key, n) : 0;
    if (c) return c;
    if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
    return x->index < y->index ? -1 : 1;
}

static bool write_canonical(sb_buf *out, const char *p, const char *end, int depth);

static bool write_object(sb_buf *out, const char *p, const char *end, int depth) {
    struct members m = {NULL, 0, 0, SB_BUF_INIT, NULL};
    bool ok = walk_object(p, end, depth, collect_member, &m) != NULL && !m.keys.failed;
    if (ok) {
        for (size_t i = 0; i < m.count; i++) m.items[i].key = sb_buf_str(&m.keys) + m.offsets[i];
        if (m.count > 1) qsort(m.items, m.count, sizeof *m.items, compare_members);
        sb_buf_add_char(out, '{');
        bool first = true;
        for (size_t i = 0; ok && i < m.count; i++) {
            struct member *it = &m.items[i];
            /* Of a repeated key, only the last one counts. */
            if (i + 1 < m.count && it->key_len == it[1].key_len &&
                memcmp(it->key, it[1].key, it->key_len) == 0)
                continue;
            if (!first) sb_buf_add_char(out, ',');
            first = false;
            sb_buf_add_json_string_n(out, it->key, it->key_len);
            sb_buf_add_char(out, ':');
            ok = write_canonical(out, it->value, it->value_end, depth + 1);
        }
        sb_buf_add_char(out, '}');
    }
    free(m.items);
    free(m.offsets);
    sb_buf_free(&m.keys);
    return ok;
}

/* [p, end) is exactly one valid value. */
static bool write_canonical(sb_buf *out, const char *p, const char *end, int depth) {
    switch (*p) {
    case '{':
        return write_object(out, p, end, depth);
    case '[': {
        sb_json_iter it = {p + 1, end - 1, false};
        sb_span item;
        bool first = true;
        sb_buf_add_char(out, '[');
        while (sb_json_next(&it, &item)) {
            if (!first) sb_buf_add_char(out, ',');
            first = false;
            if (!write_canonical(out, item.ptr, item.ptr + item.len, depth + 1)) return false;
        }
        sb_buf_add_char(out, ']');
        return true;
    }
    case '"': {
        sb_buf text = SB_BUF_INIT;
        bool ok = decode_into(&text, p, end);
        if (ok) sb_buf_add_json_string_n(out, sb_buf_str(&text), text.len);
        sb_buf_free(&text);
        return ok;
    }
    case 't': case 'f': case 'n':
        sb_buf_add_n(out, p, (size_t)(end - p));
        return true;
    default:
        return add_number(out, p, end);
    }
}

bool sb_json_write_canonical(sb_buf *out, sb_span value) {
    const char *p, *q;
    if (!trim_value(value, &p, &q)) return false;
    size_t mark = out->len;
    bool ok = write_canonical(out, p, q, 0) && !out->failed;
    if (!ok && !out->failed && out->data) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return ok;
}
