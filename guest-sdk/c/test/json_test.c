/*
 * Native tests of the SDK's text buffer and JSON helper (sb_json.c):
 *
 *   cc -std=c99 -Wall -I guest-sdk/c guest-sdk/c/test/json_test.c \
 *      guest-sdk/c/sb_json.c -lm -o /tmp/json_test && /tmp/json_test
 *
 * The canonical-form cases are what serde_json 1.0 writes for the same
 * input (checked against it).
 */
#include "switchboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* str_is, and frees `got`. */
static bool str_eq(char *got, const char *want) {
    bool same = str_is(got, want);
    free(got);
    return same;
}

static char *canonical(const char *json) {
    sb_buf out = SB_BUF_INIT;
    if (!sb_json_write_canonical(&out, sb_span_of(json))) {
        sb_buf_free(&out);
        return NULL;
    }
    return out.data ? out.data : calloc(1, 1);
}

static char *field(const char *json, const char *name) {
    sb_span value;
    if (!sb_json_field(sb_span_of(json), name, &value)) return NULL;
    char *text = malloc(value.len + 1);
    memcpy(text, value.ptr, value.len);
    text[value.len] = '\0';
    return text;
}

int main(void) {
    /* Buffer */
    sb_buf b = SB_BUF_INIT;
    CHECK(strcmp(sb_buf_str(&b), "") == 0);
    sb_buf_add(&b, "{\"n\":");
    sb_buf_add_int(&b, -9223372036854775807LL - 1);
    sb_buf_add_char(&b, ',');
    sb_buf_add_json_string(&b, "q\"\\\n\x01\x7f\xc3\xa9/");
    sb_buf_add(&b, "}");
    CHECK(strcmp(sb_buf_str(&b), "{\"n\":-9223372036854775808,\"q\\\"\\\\\\n\\u0001\x7f\xc3\xa9/\"}") == 0);
    sb_buf_free(&b);
    for (int i = 0; i < 10000; i++) sb_buf_add(&b, "0123456789");
    CHECK(b.len == 100000 && !b.failed && strlen(sb_buf_str(&b)) == 100000);
    sb_buf_free(&b);

    /* Kinds */
    CHECK(sb_json_kind(sb_span_of(" {\"a\":[1,{}]} ")) == '{');
    CHECK(sb_json_kind(sb_span_of("[]")) == '[');
    CHECK(sb_json_kind(sb_span_of("\"x\"")) == '"');
    CHECK(sb_json_kind(sb_span_of("-1.5e3")) == '0');
    CHECK(sb_json_kind(sb_span_of("null")) == 'n');
    CHECK(sb_json_kind(sb_span_of("true")) == 't');
    CHECK(sb_json_kind(sb_span_of("{\"a\":1,}")) == 0);
    CHECK(sb_json_kind(sb_span_of("[1 2]")) == 0);
    CHECK(sb_json_kind(sb_span_of("01")) == 0);
    CHECK(sb_json_kind(sb_span_of("1.")) == 0);
    CHECK(sb_json_kind(sb_span_of("\"\\x\"")) == 0);
    CHECK(sb_json_kind(sb_span_of("\"a\nb\"")) == 0);
    CHECK(sb_json_kind(sb_span_of("{} {}")) == 0);
    CHECK(sb_json_kind(sb_span_of("")) == 0);
    char deep[401]; /* nesting past serde_json's limit of 128 is refused */
    memset(deep, '[', 200);
    memset(deep + 200, ']', 200);
    deep[400] = '\0';
    CHECK(sb_json_kind(sb_span_of(deep)) == 0);
    CHECK(sb_json_kind(sb_span_of(deep + 100)) == 0);
    deep[300] = '\0';
    CHECK(sb_json_kind(sb_span_of(deep + 100)) == '[');

    /* Fields */
    const char *msg = "{ \"op\" : \"echo\", \"n\": [1, 2, {\"op\": 3}], \"s\":\"a\\u00e9\\ud83d\\ude00\\n\","
                      " \"\\u006fp2\": null, \"dup\": 1, \"dup\": {\"x\": true} }";
    CHECK(str_eq(field(msg, "op"), "\"echo\""));
    CHECK(str_eq(field(msg, "n"), "[1, 2, {\"op\": 3}]"));
    CHECK(str_eq(field(msg, "op2"), "null"));
    CHECK(str_eq(field(msg, "dup"), "{\"x\": true}"));
    CHECK(str_eq(field(msg, "missing"), NULL));
    CHECK(str_eq(field("[1]", "op"), NULL));
    CHECK(str_eq(field("{\"op\":1", "op"), NULL));
    CHECK(str_eq(sb_json_get_string(sb_span_of(msg), "s"), "a\xc3\xa9\xf0\x9f\x98\x80\n"));
    CHECK(str_eq(sb_json_get_string(sb_span_of(msg), "op"), "echo"));
    CHECK(str_eq(sb_json_get_string(sb_span_of(msg), "n"), NULL));
    CHECK(str_eq(sb_json_decode_string(sb_span_of("\"\"")), ""));
    CHECK(str_eq(sb_json_decode_string(sb_span_of("\"\\ud800\"")), NULL));
    CHECK(str_eq(sb_json_decode_string(sb_span_of("\"\\/\\\\\\\"\\b\\f\\r\\t\"")), "/\\\"\b\f\r\t"));

    /* Arrays */
    sb_json_iter it;
    sb_span item;
    int n = 0;
    CHECK(sb_json_array(sb_span_of(" [ \"a\" , 2 ,[3, 4], {\"b\":[]} ] "), &it));
    const char *want[] = {"\"a\"", "2", "[3, 4]", "{\"b\":[]}"};
    while (sb_json_next(&it, &item)) {
        CHECK(n < 4 && item.len == strlen(want[n]) && memcmp(item.ptr, want[n], item.len) == 0);
        n++;
    }
    CHECK(n == 4);
    CHECK(sb_json_array(sb_span_of("[]"), &it) && !sb_json_next(&it, &item));
    CHECK(!sb_json_array(sb_span_of("{}"), &it));
    size_t count = 99;
    char **list = sb_json_strings(sb_span_of("[\"ann\", \"b\\u00f6b\", \"\"]"), &count);
    CHECK(list && count == 3 && strcmp(list[0], "ann") == 0 && strcmp(list[1], "b\xc3\xb6" "b") == 0 &&
          strcmp(list[2], "") == 0 && list[3] == NULL);
    free(list);
    list = sb_json_strings(sb_span_of("[]"), &count);
    CHECK(list && count == 0 && list[0] == NULL);
    free(list);
    CHECK(sb_json_strings(sb_span_of("[\"a\", 1]"), NULL) == NULL);

    /* Canonical form, as serde_json writes it */
    static const char *const cases[][2] = {
        {"{\"op\":\"echo\",\"a\":1}", "{\"a\":1,\"op\":\"echo\"}"},
        {" { \"b\" : [ 1 , { \"d\":null, \"c\":true } ] , \"a\" : false } ",
         "{\"a\":false,\"b\":[1,{\"c\":true,\"d\":null}]}"},
        {"{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}"},
        {"{\"\\u0061\":1,\"a\":2}", "{\"a\":2}"},
        {"{\"\xc3\xa9\":1,\"e\":2,\"ea\":3,\"E\":4,\"\":5}",
         "{\"\":5,\"E\":4,\"e\":2,\"ea\":3,\"\xc3\xa9\":1}"},
        {"\"\\u00e9\\ud83d\\ude00\\n\\t\\u0001\\u001f\\/\\\\\\\"x\\u007f\"",
         "\"\xc3\xa9\xf0\x9f\x98\x80\\n\\t\\u0001\\u001f/\\\\\\\"x\x7f\""},
        {"[1.5e300,-1.5e-300,5e-324,0.30000000000000004,1e16,1e15,1e-5,1e-6,12345678.9]",
         "[1.5e+300,-1.4999999999999998e-300,5e-324,0.30000000000000004,1e+16,1000000000000000.0,"
         "0.00001,1e-6,"
         "12345678.9]"},
        {"[100, -0, -0.0, 0.0, 1E2, 2.0e0, -1.0, 0.1e1, 10e-1]",
         "[100,-0.0,-0.0,0.0,100.0,2.0,-1.0,1.0,1.0]"},
        {"[18446744073709551615, 18446744073709551616, -9223372036854775808, -9223372036854775809]",
         "[18446744073709551615,1.8446744073709552e+19,-9223372036854775808,"
         "-9.223372036854776e+18]"},
        {"[72772e86, 7264139304344168.52381768148546, 0e999999999999, 1e-400]",
         "[7.2772000000000005e+90,7264139304344168.0,0.0,0.0]"},
        {"1e400", NULL},
        {"1e2147483648", NULL},
        {"{\"a\":}", NULL},
        {"[1,]", NULL},
        {"\"\\ud800\"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool ok = str_eq(canonical(cases[i][0]), cases[i][1]);
        check(ok, cases[i][0], __LINE__);
    }

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
