/* Two-way split of per-frame work: the caller does one half while a helper
 * thread does the other. Converting a frame to LAB costs about as much as
 * decoding it, and the decoder's threads leave a core idle part of the time. */
#include "video_internal.h"

#include <pthread.h>
#include <stdlib.h>

struct hue_split {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    void (*fn)(void *arg, int part);
    void *arg;
    int busy, quit;
};

static void *helper(void *p)
{
    hue_split *s = p;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->busy && !s->quit)
            pthread_cond_wait(&s->cond, &s->lock);
        if (s->quit)
            break;
        pthread_mutex_unlock(&s->lock);
        s->fn(s->arg, 1);
        pthread_mutex_lock(&s->lock);
        s->busy = 0;
        pthread_cond_broadcast(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

hue_split *hue_split_create(void)
{
    hue_split *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (pthread_create(&s->thread, NULL, helper, s)) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
        free(s);
        return NULL;
    }
    return s;
}

void hue_split_run(hue_split *s, void (*fn)(void *arg, int part), void *arg)
{
    pthread_mutex_lock(&s->lock);
    s->fn = fn;
    s->arg = arg;
    s->busy = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    fn(arg, 0);
    pthread_mutex_lock(&s->lock);
    while (s->busy)
        pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
}

void hue_split_destroy(hue_split *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->quit = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}
