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

/* The call context: user ann with claims, one route param. */
static int context_calls;

bool switchboard_socket_context_user(switchboard_socket_types_user_t *ret) {
    context_calls++;
    ret->id = owned("ann");
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

/* ------------------------------------------------------------------ */

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
    test_fetch_outside_api();
    printf("sdk_test: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
