// Internal: joining the faces a tiled detection pass found (yunet.cc's native tiles).
#pragma once

#include <vector>

#include "shroud/region.h"

namespace shroud {

// A face larger than the tiles' overlap can be cut by a tile's edge: that tile reports a partial
// box, which could win the NMS against the whole face (found by the first pass or by another
// tile) and leave part of the face uncovered. `cut` are the tile faces whose boxes touch an inner
// tile edge; `faces` the others. Each cut box lying mostly (0.6 of its area) inside a box of
// `faces` at least as large is dropped; cut boxes that overlap each other (the two sides of one
// face) are joined into their union with the higher score and its landmarks; the rest are
// appended to `faces` as they are (a partial box is better than none).
void merge_cut_faces(std::vector<Region> cut, std::vector<Region>* faces);

}  // namespace shroud
