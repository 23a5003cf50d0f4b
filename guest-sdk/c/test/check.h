/* The C SDK's native tests share this: a check that counts and reports,
 * and a string comparison that shows both sides when they differ. */
#ifndef SB_TEST_CHECK_H
#define SB_TEST_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int passed, failed;

static void check(bool ok, const char *what, int line) {
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL line %d: %s\n", line, what);
    }
}
#define CHECK(x) check((x), #x, __LINE__)

/* True if both are NULL or both hold the same text. */
static bool str_is(const char *got, const char *want) {
    bool same = got && want ? strcmp(got, want) == 0 : got == NULL && want == NULL;
    if (!same) printf("  got  %s\n  want %s\n", got ? got : "(null)", want ? want : "(null)");
    return same;
}

#endif
