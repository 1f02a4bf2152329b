/* Ctrl-C (SIGINT) and SIGTERM (a scheduler taking the machine back) during
 * training: the trainer finishes the step it is in, writes a checkpoint
 * that --resume continues, and stops. A second signal ends the process at
 * once, as it would without hue. A signal the process inherited as ignored
 * (a background job of a script, nohup) stays ignored. */
#include <signal.h>
#include <string.h>

#include "trainer_internal.h"

static volatile sig_atomic_t pending;

static void on_signal(int sig)
{
    if (pending) {  /* the second: do what the signal does */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    pending = sig;
}

static void catch_one(int sig, struct sigaction *before)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigaction(sig, NULL, before);
    if (before->sa_handler == SIG_IGN)
        return;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

void trainer_interrupt_catch(trainer_signals *saved)
{
    pending = 0;
    catch_one(SIGINT, &saved->sigint);
    catch_one(SIGTERM, &saved->sigterm);
}

void trainer_interrupt_release(const trainer_signals *saved)
{
    sigaction(SIGINT, &saved->sigint, NULL);
    sigaction(SIGTERM, &saved->sigterm, NULL);
}

int trainer_interrupted(void) { return pending; }
