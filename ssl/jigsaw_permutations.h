/* The jigsaw task's permutation set (Noroozi and Favaro 2016): P
 * permutations of the 9 tiles chosen greedily so that the smallest Hamming
 * distance between any two is as large as it can be, which keeps the
 * classes far apart and the task about the image, not about near-twins. */
#ifndef HUE_JIGSAW_PERMUTATIONS_H
#define HUE_JIGSAW_PERMUTATIONS_H
#include <stdint.h>

#define JIGSAW_TILES 9
#define JIGSAW_MAX_PERMUTATIONS 1000

/* perms gets count x 9 tile indices: the first permutation drawn from the
 * seed, each next one the permutation whose distance to its nearest chosen
 * one is largest (the first such in lexicographic order). *min_distance
 * (when not NULL) gets the set's smallest pairwise Hamming distance. */
int jigsaw_permutations(int count, uint64_t seed, uint8_t *perms, int *min_distance);

#endif
