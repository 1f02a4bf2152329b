/* Minimal test helpers: CHECK prints the failing condition and counts it;
 * a test's main returns test_finish(). */
#ifndef HUE_TEST_UTIL_H
#define HUE_TEST_UTIL_H
#include <stdio.h>
#include <stdlib.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        test_checks++;                                                               \
        if (!(cond)) {                                                               \
            test_failures++;                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

#define CHECKF(cond, ...)                                                  \
    do {                                                                   \
        test_checks++;                                                     \
        if (!(cond)) {                                                     \
            test_failures++;                                               \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
        }                                                                  \
    } while (0)

static inline int test_finish(void)
{
    printf("%d checks, %d failed\n", test_checks, test_failures);
    if (test_checks == 0) {
        fprintf(stderr, "test made no checks\n");
        return 1;
    }
    return test_failures ? 1 : 0;
}

/* Path under the real-data folder (HUE_DATA, else ../shared/data). */
static inline const char *test_data(const char *rel)
{
    static char buf[4][1024];
    static int k;
    const char *root = getenv("HUE_DATA");
    char *b = buf[k++ & 3];
    snprintf(b, 1024, "%s/%s", root && *root ? root : "../shared/data", rel);
    return b;
}

#endif
