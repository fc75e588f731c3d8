/* Packet buffer pool (core/pkb.h). */
#include "core/pkb.h"
#include <string.h>

static struct pkb pool[PKB_POOL_SIZE];
static struct pkb *free_list;
static unsigned free_count;
static int pool_ready;

static void pool_init(void)
{
    for (unsigned i = 0; i < PKB_POOL_SIZE; i++) {
        pool[i].next = free_list;
        free_list = &pool[i];
    }
    free_count = PKB_POOL_SIZE;
    pool_ready = 1;
}

void pkb_reset(struct pkb *p)
{
    p->next = NULL;
    p->data = p->storage + PKB_HEADROOM;
    p->len = 0;
    p->nif = NULL;
    p->family = 0;
    p->hop_limit = 0;
    p->l2_multicast = 0;
    memset(p->src, 0, sizeof p->src);
    memset(p->dst, 0, sizeof p->dst);
}

struct pkb *pkb_alloc(void)
{
    if (!pool_ready)
        pool_init();
    struct pkb *p = free_list;
    if (!p)
        return NULL;
    free_list = p->next;
    free_count--;
    pkb_reset(p);
    return p;
}

void pkb_free(struct pkb *p)
{
    if (!p)
        return;
    p->next = free_list;
    free_list = p;
    free_count++;
}

uint8_t *pkb_push(struct pkb *p, size_t n)
{
    if ((size_t)(p->data - p->storage) < n)
        return NULL;
    p->data -= n;
    p->len += n;
    return p->data;
}

void pkb_pull(struct pkb *p, size_t n)
{
    p->data += n;
    p->len -= n;
}

uint8_t *pkb_put(struct pkb *p, size_t n)
{
    size_t used = (size_t)(p->data - p->storage) + p->len;
    if (sizeof p->storage - used < n)
        return NULL;
    uint8_t *w = p->data + p->len;
    p->len += n;
    return w;
}

void pkb_trim(struct pkb *p, size_t n)
{
    if (n < p->len)
        p->len = n;
}

unsigned pkb_pool_free_count(void)
{
    if (!pool_ready)
        pool_init();
    return free_count;
}
