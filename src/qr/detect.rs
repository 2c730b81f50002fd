//! Finding QR codes in a black-and-white image: rqrr 0.11's detector (itself a port of quirc),
//! carried here so it runs in a fraction of the time. `decode.rs` reads what this finds.
//!
//! rqrr spent most of a scan fitting perspectives: it fitted every accepted group of finder
//! patterns twice (once on a scratch copy, to check the group, then again for real), and each
//! fit maps some hundred thousand points through libm's `round` (baseline x86-64 has no rounding
//! instruction). The changes here, none of which changes what is found:
//! - a candidate group is checked without the fit (the fit refines a perspective that already
//!   exists and cannot fail), so each code is fitted once;
//! - the perspective map rounds inline, and saturates where rqrr would panic out of range;
//! - pixels are a plain byte buffer indexed directly, not read through a trait per pixel;
//! - the region cache is a fixed array with least-recently-used eviction, as the `lru` crate's;
//! - a timing scan that sees no transition rejects its group instead of panicking;
//! - version 21's last alignment pattern is looked for at 94, where it is, not at 92 (rqrr's typo).
//!
//! rqrr is Copyright 2019 Moritz Wanzenböck, under the MIT or Apache-2.0 licence. quirc is
//! Copyright (C) 2010-2012 Daniel Beer <dlbeer@gmail.com>, under this licence:
//!
//! > Permission to use, copy, modify, and/or distribute this software for any purpose with or
//! > without fee is hereby granted, provided that the above copyright notice and this permission
//! > notice appear in all copies.
//! >
//! > THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS
//! > SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL
//! > THE AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY
//! > DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF
//! > CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE
//! > OR PERFORMANCE OF THIS SOFTWARE.

use std::cmp;

// Pixel values. Regions under examination are repainted `DISCARDED + slot` of the region cache.
const WHITE: u8 = 0;
const BLACK: u8 = 1;
const CAPSTONE: u8 = 2;
const ALIGNMENT: u8 = 3;
const TMP1: u8 = 4;
const DISCARDED: u8 = 5;
const CACHE_SLOTS: usize = 251;

/// Alignment pattern centres per version (index 0 unused), as in ISO/IEC 18004 table E.1. (rqrr's
/// version database has 92 for version 21's last one: a typo for 94.)
pub(super) const APAT: [[u8; 7]; 41] = [
    [0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0],
    [6, 18, 0, 0, 0, 0, 0],
    [6, 22, 0, 0, 0, 0, 0],
    [6, 26, 0, 0, 0, 0, 0],
    [6, 30, 0, 0, 0, 0, 0],
    [6, 34, 0, 0, 0, 0, 0],
    [6, 22, 38, 0, 0, 0, 0],
    [6, 24, 42, 0, 0, 0, 0],
    [6, 26, 46, 0, 0, 0, 0],
    [6, 28, 50, 0, 0, 0, 0],
    [6, 30, 54, 0, 0, 0, 0],
    [6, 32, 58, 0, 0, 0, 0],
    [6, 34, 62, 0, 0, 0, 0],
    [6, 26, 46, 66, 0, 0, 0],
    [6, 26, 48, 70, 0, 0, 0],
    [6, 26, 50, 74, 0, 0, 0],
    [6, 30, 54, 78, 0, 0, 0],
    [6, 30, 56, 82, 0, 0, 0],
    [6, 30, 58, 86, 0, 0, 0],
    [6, 34, 62, 90, 0, 0, 0],
    [6, 28, 50, 72, 94, 0, 0],
    [6, 26, 50, 74, 98, 0, 0],
    [6, 30, 54, 78, 102, 0, 0],
    [6, 28, 54, 80, 106, 0, 0],
    [6, 32, 58, 84, 110, 0, 0],
    [6, 30, 58, 86, 114, 0, 0],
    [6, 34, 62, 90, 118, 0, 0],
    [6, 26, 50, 74, 98, 122, 0],
    [6, 30, 54, 78, 102, 126, 0],
    [6, 26, 52, 78, 104, 130, 0],
    [6, 30, 56, 82, 108, 134, 0],
    [6, 34, 60, 86, 112, 138, 0],
    [6, 30, 58, 86, 114, 142, 0],
    [6, 34, 62, 90, 118, 146, 0],
    [6, 30, 54, 78, 102, 126, 150],
    [6, 24, 50, 76, 102, 128, 154],
    [6, 28, 54, 80, 106, 132, 158],
    [6, 32, 58, 84, 110, 136, 162],
    [6, 26, 54, 82, 110, 138, 166],
    [6, 30, 58, 86, 114, 142, 170],
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

/// A region of connected dark pixels, as the cache remembers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Unclaimed {
        color: u8,
        src_x: usize,
        src_y: usize,
        pixel_count: usize,
    },
    CapStone,
    Alignment,
    Tmp1,
}

/// The regions being examined, by slot, evicting the least recently used when full.
#[derive(Clone)]
struct RegionCache {
    regions: [Region; CACHE_SLOTS],
    /// When each slot was last used; 0 for an empty slot.
    used: [u64; CACHE_SLOTS],
    len: usize,
    clock: u64,
}

impl RegionCache {
    fn new() -> Self {
        RegionCache {
            regions: [Region::Tmp1; CACHE_SLOTS],
            used: [0; CACHE_SLOTS],
            len: 0,
            clock: 0,
        }
    }

    fn get(&mut self, slot: u8) -> Region {
        let s = usize::from(slot);
        assert!(self.used[s] != 0, "region slot {slot} is empty");
        self.clock += 1;
        self.used[s] = self.clock;
        self.regions[s]
    }

    fn put(&mut self, slot: u8, region: Region) {
        let s = usize::from(slot);
        if self.used[s] == 0 {
            self.len += 1;
        }
        self.clock += 1;
        self.used[s] = self.clock;
        self.regions[s] = region;
    }

    fn pop_lru(&mut self) -> (u8, Region) {
        let (s, _) = self
            .used
            .iter()
            .enumerate()
            .filter(|(_, u)| **u != 0)
            .min_by_key(|(_, u)| **u)
            .expect("the cache is full");
        self.used[s] = 0;
        self.len -= 1;
        (s as u8, self.regions[s])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    left: usize,
    right: usize,
    y: usize,
}

/// Told every row of a flood fill.
trait AreaFiller {
    fn update(&mut self, row: Row);
}

struct AreaCounter(usize);

impl AreaFiller for AreaCounter {
    fn update(&mut self, row: Row) {
        self.0 += row.right - row.left + 1;
    }
}

struct NoFiller;

impl AreaFiller for NoFiller {
    fn update(&mut self, _: Row) {}
}

/// A black-and-white image being searched; regions get repainted as they are examined.
#[derive(Clone)]
pub struct Image {
    w: usize,
    h: usize,
    px: Vec<u8>,
    cache: RegionCache,
}

/// Where a code lies in an image: its size in modules and the perspective onto its grid.
#[derive(Debug, Clone)]
pub struct Location {
    grid_size: usize,
    c: Perspective,
}

impl Location {
    /// The corners rqrr's `Grid::bounds` gives for the same location.
    #[cfg(test)]
    pub fn bounds(&self) -> [(i32, i32); 4] {
        let n = self.grid_size as f64 + 1.0;
        [(0.0, 0.0), (n, 0.0), (n, n), (0.0, n)].map(|(u, v)| {
            let p = self.c.map(u, v);
            (p.x, p.y)
        })
    }
}

/// A located code, read module by module from the image it was found in.
pub struct Grid<'a> {
    location: &'a Location,
    img: &'a Image,
}

impl super::decode::Modules for Grid<'_> {
    fn size(&self) -> usize {
        self.location.grid_size
    }

    fn bit(&self, y: usize, x: usize) -> bool {
        let p = self.location.c.map(x as f64 + 0.5, y as f64 + 0.5);
        self.img.at_point(p) != WHITE
    }
}

/// For comparing with rqrr's decoder.
#[cfg(test)]
impl rqrr::BitGrid for Grid<'_> {
    fn size(&self) -> usize {
        super::decode::Modules::size(self)
    }

    fn bit(&self, y: usize, x: usize) -> bool {
        super::decode::Modules::bit(self, y, x)
    }
}

impl Image {
    /// An image from `w × h` pixels, 1 for dark and 0 for light.
    pub fn from_bits(w: usize, h: usize, px: Vec<u8>) -> Self {
        assert_eq!(px.len(), w * h);
        debug_assert!(px.iter().all(|&p| p < 2));
        Image {
            w,
            h,
            px,
            cache: RegionCache::new(),
        }
    }

    /// An image from `w × h` grey levels through rqrr's own threshold: a pixel is dark below 95 %
    /// of a running mean along its row, taken both ways.
    pub fn from_gray(w: usize, h: usize, mut px: Vec<u8>) -> Self {
        assert_eq!(px.len(), w * h);
        let mut row_average = vec![0u64; w];
        let (mut avg_v, mut avg_u) = (0u64, 0u64);
        let threshold_s = cmp::max(w / 8, 1) as u64;
        // Two divisions per pixel by the same divisors: by multiplication instead.
        let (by_s, by_200s) = (Divisor::new(threshold_s), Divisor::new(200 * threshold_s));
        for (y, row) in px.chunks_exact_mut(w.max(1)).enumerate() {
            row_average.fill(0);
            for x in 0..w {
                let (v, u) = if y % 2 == 0 {
                    (w - 1 - x, x)
                } else {
                    (x, w - 1 - x)
                };
                avg_v = by_s.div(avg_v * (threshold_s - 1)) + u64::from(row[v]);
                avg_u = by_s.div(avg_u * (threshold_s - 1)) + u64::from(row[u]);
                row_average[v] += avg_v;
                row_average[u] += avg_u;
            }
            for (p, &avg) in row.iter_mut().zip(&row_average) {
                *p = if u64::from(*p) < by_200s.div(avg * (100 - 5)) {
                    BLACK
                } else {
                    WHITE
                };
            }
        }
        Image {
            w,
            h,
            px,
            cache: RegionCache::new(),
        }
    }

    /// Every code found: groups of three finder patterns with a fitted perspective.
    pub fn detect(&mut self) -> Vec<Location> {
        let stones = self.capstones();
        let groups = self.find_groupings(stones);
        groups
            .into_iter()
            .filter_map(|g| from_group(self, g, true))
            .collect()
    }

    /// A located code of this image, for rqrr to decode.
    pub fn grid<'a>(&'a self, location: &'a Location) -> Grid<'a> {
        Grid {
            location,
            img: self,
        }
    }

    #[inline]
    fn at(&self, x: usize, y: usize) -> u8 {
        self.px[y * self.w + x]
    }

    /// A fitness sample at (x, y): 1 on a dark pixel, -1 on a light one, 0 outside the image.
    #[inline]
    fn sample(&self, x: i32, y: i32) -> i32 {
        // A negative coordinate wraps to a large one.
        let (x, y) = (x as u32 as usize, y as u32 as usize);
        if x < self.w && y < self.h {
            // Without a branch: dark or light is a coin toss the predictor cannot learn.
            2 * i32::from(self.px[y * self.w + x] != WHITE) - 1
        } else {
            0
        }
    }

    /// The pixel at `p`, clamped into the image.
    #[inline]
    fn at_point(&self, p: Point) -> u8 {
        let x = cmp::max(0, cmp::min(self.w as i32 - 1, p.x));
        let y = cmp::max(0, cmp::min(self.h as i32 - 1, p.y));
        self.px[y as usize * self.w + x as usize]
    }

    fn get_region(&mut self, (x, y): (usize, usize)) -> Region {
        match self.at(x, y) {
            WHITE => panic!("tried to colour a white patch"),
            BLACK => {
                let slot = if self.cache.len == CACHE_SLOTS {
                    let (slot, region) = self.cache.pop_lru();
                    if let Region::Unclaimed {
                        src_x,
                        src_y,
                        color,
                        ..
                    } = region
                    {
                        self.flood_fill(src_x, src_y, color, BLACK, NoFiller);
                    }
                    slot
                } else {
                    self.cache.len as u8
                };
                let color = DISCARDED + slot;
                let counter = self.repaint_and_apply((x, y), color, AreaCounter(0));
                let region = Region::Unclaimed {
                    color,
                    src_x: x,
                    src_y: y,
                    pixel_count: counter.0,
                };
                self.cache.put(slot, region);
                region
            }
            TMP1 => Region::Tmp1,
            ALIGNMENT => Region::Alignment,
            CAPSTONE => Region::CapStone,
            discarded => self.cache.get(discarded - DISCARDED),
        }
    }

    fn repaint_and_apply<F: AreaFiller>(&mut self, (x, y): (usize, usize), to: u8, fill: F) -> F {
        let from = self.at(x, y);
        assert!(
            from != WHITE && from != to,
            "cannot repaint with white or the same colour"
        );
        self.flood_fill(x, y, from, to, fill)
    }

    fn flood_fill<F: AreaFiller>(
        &mut self,
        x: usize,
        y: usize,
        from: u8,
        to: u8,
        mut fill: F,
    ) -> F {
        assert_ne!(from, to);
        let (w, h) = (self.w, self.h);
        let mut queue = vec![(x, y)];
        while let Some((x, y)) = queue.pop() {
            let row = &mut self.px[y * w..(y + 1) * w];
            if row[x] == to || row[x] != from {
                continue;
            }
            let (mut left, mut right) = (x, x);
            while left > 0 && row[left - 1] == from {
                left -= 1;
            }
            while right < w - 1 && row[right + 1] == from {
                right += 1;
            }
            row[left..=right].fill(to);
            fill.update(Row { left, right, y });
            // Seed the rows above and below, once per run of `from`.
            let mut seed = |ny: usize| {
                let mut seeded_previous = false;
                for (i, &p) in self.px[ny * w + left..=ny * w + right].iter().enumerate() {
                    if p == from {
                        if !seeded_previous {
                            queue.push((left + i, ny));
                        }
                        seeded_previous = true;
                    } else {
                        seeded_previous = false;
                    }
                }
            };
            if y > 0 {
                seed(y - 1);
            }
            if y < h - 1 {
                seed(y + 1);
            }
        }
        fill
    }

    /// Every finder pattern ("capstone"): rows scanned for dark-light runs of 1:1:3:1:1.
    fn capstones(&mut self) -> Vec<CapStone> {
        let mut res = Vec::new();
        let w = self.w;
        for y in 0..self.h {
            let mut finder = LineScanner::new(self.px[y * w]);
            let mut x = 1;
            while x < w {
                // Runs of one colour only lengthen the current run: skip them eight pixels at a
                // time. (Pixels are only repainted once a pattern completes, so looking ahead
                // within a run sees what stepping would.)
                let run = same_run(&self.px[y * w + x..(y + 1) * w], finder.last_color);
                finder.skip(run);
                x += run;
                if x == w {
                    break;
                }
                let linepos = finder.advance(self.px[y * w + x]);
                x += 1;
                let Some(linepos) = linepos else {
                    continue;
                };
                if !self.is_capstone(&linepos, y) {
                    continue;
                }
                if let Some(cap) = self.create_capstone(&linepos, y) {
                    res.push(cap);
                }
            }
            // A virtual white pixel at the end re-checks a capstone on the image's edge.
            if let Some(linepos) = finder.advance(WHITE) {
                if !self.is_capstone(&linepos, y) {
                    continue;
                }
                if let Some(cap) = self.create_capstone(&linepos, y) {
                    res.push(cap);
                }
            }
        }
        res
    }

    /// Whether the runs at `linepos` are an unclaimed capstone: the ring's left and right are
    /// connected, the stone is not connected to them, and the stone is 10-70 % of the ring.
    fn is_capstone(&mut self, linepos: &LinePosition, y: usize) -> bool {
        let ring_reg = self.get_region((linepos.right, y));
        let stone_reg = self.get_region((linepos.stone, y));
        if self.at(linepos.left, y) != self.at(linepos.right, y) {
            return false;
        }
        match (ring_reg, stone_reg) {
            (
                Region::Unclaimed {
                    color: ring_color,
                    pixel_count: ring_count,
                    ..
                },
                Region::Unclaimed {
                    color: stone_color,
                    pixel_count: stone_count,
                    ..
                },
            ) => {
                let ratio = stone_count * 100 / ring_count;
                ring_color != stone_color && 10 < ratio && ratio < 70
            }
            _ => false,
        }
    }

    /// The capstone at `linepos`: its corners and perspective. Its ring is claimed.
    fn create_capstone(&mut self, linepos: &LinePosition, y: usize) -> Option<CapStone> {
        let start_point = Point {
            x: linepos.right as i32,
            y: y as i32,
        };
        let first = self.repaint_and_apply(
            (linepos.right, y),
            TMP1,
            FirstCornerFinder::new(start_point),
        );
        let all = self.repaint_and_apply(
            (linepos.right, y),
            CAPSTONE,
            AllCornerFinder::new(start_point, first.best),
        );
        let corners = all.best;
        let c = Perspective::create(&corners, 7.0, 7.0)?;
        let center = c.map(3.5, 3.5);
        Some(CapStone { corners, center, c })
    }

    /// Groups of three capstones that pass the checks of a code, the most symmetric first.
    fn find_groupings(&mut self, capstones: Vec<CapStone>) -> Vec<CapStoneGroup> {
        let mut used = Vec::new();
        let mut groups = Vec::new();
        let mut scratch: Option<Image> = None;
        for idx in 0..capstones.len() {
            if used.contains(&idx) {
                continue;
            }
            for pair in find_and_rank_possible_neighbors(&capstones, idx) {
                if used.contains(&pair.0) || used.contains(&pair.1) {
                    continue;
                }
                let group = CapStoneGroup(
                    capstones[pair.0].clone(),
                    capstones[idx].clone(),
                    capstones[pair.1].clone(),
                );
                // Checked on a copy, so a rejected group leaves no marks; without the fit,
                // which cannot fail (rqrr fitted here too, then again below). One copy is
                // reused, so no group faults in fresh pages for a whole image.
                let scratch = match &mut scratch {
                    Some(copy) => {
                        copy.px.copy_from_slice(&self.px);
                        copy.cache.clone_from(&self.cache);
                        copy
                    }
                    None => scratch.insert(self.clone()),
                };
                if from_group(scratch, group.clone(), false).is_none() {
                    continue;
                }
                groups.push(group);
                used.extend([pair.0, idx, pair.1]);
            }
        }
        groups
    }
}

#[derive(Debug, Clone)]
struct CapStone {
    corners: [Point; 4],
    center: Point,
    c: Perspective,
}

#[derive(Debug, Clone)]
struct CapStoneGroup(CapStone, CapStone, CapStone);

/// Division by a divisor fixed for a whole image: multiply by m = ceil(2^(32 + l) / d) with
/// l = ceil(log2 d) and shift, which is floor(x / d) exactly for every x below 2^32 (Granlund and
/// Montgomery, 1994, theorem 4.2); larger dividends, which no image here reaches, divide.
struct Divisor {
    d: u64,
    /// Below 2^33: a u64, so the product is one 64 × 64-bit multiply.
    m: u64,
    shift: u32,
}

impl Divisor {
    fn new(d: u64) -> Self {
        assert!(d > 0);
        let l = u64::BITS - (d - 1).leading_zeros();
        let m = (1u128 << (32 + l)).div_ceil(u128::from(d)) as u64;
        Divisor {
            d,
            m,
            shift: 32 + l,
        }
    }

    #[inline]
    fn div(&self, x: u64) -> u64 {
        if x >> 32 == 0 {
            // The product is below 2^65: a constant 128-bit shift, then a 64-bit one.
            (((u128::from(x) * u128::from(self.m)) >> 32) as u64) >> (self.shift - 32)
        } else {
            x / self.d
        }
    }
}

#[derive(Debug, Clone, Copy, Eq, PartialEq)]
struct LinePosition {
    left: usize,
    stone: usize,
    right: usize,
}

/// Follows one row, run by run, for the 1:1:3:1:1 dark-light pattern across a capstone.
#[derive(Debug, Clone, Copy, Eq, PartialEq)]
struct LineScanner {
    lookbehind_buf: [usize; 5],
    last_color: u8,
    run_length: usize,
    color_changes: usize,
    current_position: usize,
}

impl LineScanner {
    fn new(initial: u8) -> Self {
        LineScanner {
            lookbehind_buf: [0; 5],
            last_color: initial,
            run_length: 1,
            color_changes: 0,
            current_position: 0,
        }
    }

    /// `n` more pixels of the current colour.
    #[inline]
    fn skip(&mut self, n: usize) {
        self.current_position += n;
        self.run_length += n;
    }

    /// The next pixel; `Some` when it completes the pattern.
    #[inline]
    fn advance(&mut self, color: u8) -> Option<LinePosition> {
        self.current_position += 1;
        if self.last_color == color {
            self.run_length += 1;
            return None;
        }
        self.last_color = color;
        self.lookbehind_buf.rotate_left(1);
        self.lookbehind_buf[4] = self.run_length;
        self.run_length = 1;
        self.color_changes += 1;
        if self.test_for_capstone() {
            Some(LinePosition {
                left: self.current_position - self.lookbehind_buf.iter().sum::<usize>(),
                stone: self.current_position - self.lookbehind_buf[2..].iter().sum::<usize>(),
                right: self.current_position - self.lookbehind_buf[4],
            })
        } else {
            None
        }
    }

    fn test_for_capstone(&self) -> bool {
        if self.last_color != WHITE || self.color_changes < 5 {
            return false;
        }
        const CHECK: [usize; 5] = [1, 1, 3, 1, 1];
        let b = &self.lookbehind_buf;
        let avg = (b[0] + b[1] + b[3] + b[4]) / 4;
        let err = avg * 3 / 4;
        b.iter()
            .zip(CHECK)
            .all(|(&run, k)| run >= k * avg - err && run <= k * avg + err)
    }
}

/// How many pixels at the start of `px` are `color`.
#[inline]
fn same_run(px: &[u8], color: u8) -> usize {
    let pattern = u64::from_le_bytes([color; 8]);
    let mut chunks = px.chunks_exact(8);
    let mut n = 0;
    for chunk in &mut chunks {
        let diff = u64::from_le_bytes(chunk.try_into().expect("eight bytes")) ^ pattern;
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + chunks
        .remainder()
        .iter()
        .take_while(|&&p| p == color)
        .count()
}

/// Finds the point of a region farthest from a start point: a corner.
struct FirstCornerFinder {
    initial: Point,
    best: Point,
    score: i32,
}

impl FirstCornerFinder {
    fn new(initial: Point) -> Self {
        FirstCornerFinder {
            initial,
            best: Point::default(),
            score: -1,
        }
    }
}

impl AreaFiller for FirstCornerFinder {
    fn update(&mut self, row: Row) {
        let dy = (row.y as i32) - self.initial.y;
        let l_dx = (row.left as i32) - self.initial.x;
        let r_dx = (row.right as i32) - self.initial.x;
        let l_dist = l_dx * l_dx + dy * dy;
        let r_dist = r_dx * r_dx + dy * dy;
        if l_dist > self.score {
            self.score = l_dist;
            self.best = Point {
                x: row.left as i32,
                y: row.y as i32,
            };
        }
        if r_dist > self.score {
            self.score = r_dist;
            self.best = Point {
                x: row.right as i32,
                y: row.y as i32,
            };
        }
    }
}

/// Finds the four corners of a region from a start point and one corner: the extremes along
/// and across the line between them.
struct AllCornerFinder {
    baseline: Point,
    best: [Point; 4],
    scores: [i32; 4],
}

impl AllCornerFinder {
    fn new(initial: Point, corner: Point) -> Self {
        let baseline = Point {
            x: corner.x - initial.x,
            y: corner.y - initial.y,
        };
        let parallel_score = initial.x * baseline.x + initial.y * baseline.y;
        let orthogonal_score = -initial.x * baseline.y + initial.y * baseline.x;
        AllCornerFinder {
            baseline,
            best: [initial; 4],
            scores: [
                parallel_score,
                orthogonal_score,
                -parallel_score,
                -orthogonal_score,
            ],
        }
    }
}

impl AreaFiller for AllCornerFinder {
    fn update(&mut self, row: Row) {
        let b = self.baseline;
        let y = row.y as i32;
        for x in [row.left as i32, row.right as i32] {
            let par = x * b.x + y * b.y;
            let ort = -x * b.y + y * b.x;
            for (j, score) in [par, ort, -par, -ort].into_iter().enumerate() {
                if score > self.scores[j] {
                    self.scores[j] = score;
                    self.best[j] = Point { x, y };
                }
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Neighbor {
    index: usize,
    distance: f64,
}

/// Pairs of capstones that could complete a code with capstone `idx`, most symmetric first.
fn find_and_rank_possible_neighbors(capstones: &[CapStone], idx: usize) -> Vec<(usize, usize)> {
    const VIABILITY_THRESHOLD: f64 = 0.25;
    let cap = &capstones[idx];
    let (mut hlist, mut vlist) = (Vec::new(), Vec::new());
    for (others_idx, other) in capstones.iter().enumerate() {
        if others_idx == idx {
            continue;
        }
        let (u, v) = cap.c.unmap(&other.center);
        let (u, v) = ((u - 3.5).abs(), (v - 3.5).abs());
        if u < 0.2 * v {
            hlist.push(Neighbor {
                index: others_idx,
                distance: v,
            });
        }
        if v < 0.2 * u {
            vlist.push(Neighbor {
                index: others_idx,
                distance: u,
            });
        }
    }
    // rqrr's type and unstable sort exactly, so that ties come out in the same order.
    struct NeighborSet {
        score: f64,
        h_index: usize,
        v_index: usize,
    }
    let mut res = Vec::new();
    for hn in &hlist {
        for vn in &vlist {
            let score = if hn.distance < vn.distance {
                (1.0 - hn.distance / vn.distance).abs()
            } else {
                (1.0 - vn.distance / hn.distance).abs()
            };
            if score < VIABILITY_THRESHOLD {
                res.push(NeighborSet {
                    score,
                    h_index: hn.index,
                    v_index: vn.index,
                });
            }
        }
    }
    res.sort_unstable_by(|a, b| a.score.partial_cmp(&b.score).expect("distances are finite"));
    res.iter().map(|n| (n.h_index, n.v_index)).collect()
}

/// The location of the code cornered by a group: its size from the timing patterns, the fourth
/// corner from the alignment pattern (version 2 and up), and the perspective, fitted to the
/// image when `fit`. `None` when the group does not look like a code.
fn from_group(img: &mut Image, mut group: CapStoneGroup, fit: bool) -> Option<Location> {
    // The hypotenuse from A to C; B should be to its left (A-B-C clockwise).
    let h0 = group.0.center;
    let mut hd = Point {
        x: group.2.center.x - group.0.center.x,
        y: group.2.center.y - group.0.center.y,
    };
    if (group.1.center.x - h0.x) * -hd.y + (group.1.center.y - h0.y) * hd.x > 0 {
        std::mem::swap(&mut group.0, &mut group.2);
        hd.x = -hd.x;
        hd.y = -hd.y;
    }
    // Rotate each capstone so that corner 0 is top-left with respect to the grid.
    rotate_capstone(&mut group.0, &h0, &hd);
    rotate_capstone(&mut group.1, &h0, &hd);
    rotate_capstone(&mut group.2, &h0, &hd);
    let grid_size = measure_timing_pattern(img, &group)?;
    // The alignment pattern, first estimated from lines extended from capstones A and C.
    let mut align = line_intersect(
        &group.0.corners[0],
        &group.0.corners[1],
        &group.2.corners[0],
        &group.2.corners[3],
    )?;
    if grid_size > 21 {
        align = find_alignment_pattern(img, align, &group.0, &group.2)?;
        let score = -hd.y * align.x + hd.x * align.y;
        let finder = LeftMostFinder {
            line_p: hd,
            best: align,
            score,
        };
        let found = img.repaint_and_apply((align.x as usize, align.y as usize), ALIGNMENT, finder);
        align = found.best;
    }
    if version_from_grid_size(grid_size) >= APAT.len() {
        return None;
    }
    let mut c = Perspective::create(
        &[
            group.1.corners[0],
            group.2.corners[0],
            align,
            group.0.corners[0],
        ],
        (grid_size - 7) as f64,
        (grid_size - 7) as f64,
    )?;
    if fit {
        c = jiggle_perspective(img, c, grid_size);
    }
    Some(Location { grid_size, c })
}

fn version_from_grid_size(grid_size: usize) -> usize {
    (grid_size - 17) / 4
}

fn rotate_capstone(cap: &mut CapStone, h0: &Point, hd: &Point) {
    let (best_idx, _) = cap
        .corners
        .iter()
        .enumerate()
        .min_by_key(|(_, a)| (a.x - h0.x) * (-hd.y) + (a.y - h0.y) * hd.x)
        .expect("four corners");
    cap.corners.rotate_left(best_idx);
    cap.c = Perspective::create(&cap.corners, 7.0, 7.0).expect("a rotated perspective");
}

/// The grid size from the timing patterns between the capstones: no perspective needed, only
/// the capstones' canonical rotation.
fn measure_timing_pattern(img: &Image, caps: &CapStoneGroup) -> Option<usize> {
    const US: [f64; 3] = [6.5, 6.5, 0.5];
    const VS: [f64; 3] = [0.5, 6.5, 6.5];
    let tpet0 = caps.0.c.map(US[0], VS[0]);
    let tpet1 = caps.1.c.map(US[1], VS[1]);
    let tpet2 = caps.2.c.map(US[2], VS[2]);
    let hscan = timing_scan(img, &tpet1, &tpet2);
    let vscan = timing_scan(img, &tpet1, &tpet0);
    let scan = cmp::max(hscan, vscan);
    if scan < 1 {
        return None;
    }
    // The nearest allowed grid size.
    let size = scan + 13;
    let ver = (size as f64 - 15.0).floor() as usize / 4;
    Some(ver * 4 + 17)
}

fn timing_scan(img: &Image, p0: &Point, p1: &Point) -> usize {
    let mut count = 0;
    let mut previous = None;
    for p in BresenhamScan::new(p0, p1) {
        let pixel = img.at_point(p);
        if previous.is_some_and(|prev| prev != pixel) {
            count += 1;
        }
        previous = Some(pixel);
    }
    count
}

fn find_alignment_pattern(
    img: &mut Image,
    mut align_seed: Point,
    c0: &CapStone,
    c2: &CapStone,
) -> Option<Point> {
    // Two more corners of the alignment pattern, guessed to estimate its size.
    let (u, v) = c0.c.unmap(&align_seed);
    let a = c0.c.map(u, v + 1.0);
    let (u, v) = c2.c.unmap(&align_seed);
    let c = c2.c.map(u + 1.0, v);
    let size_estimate = ((a.x - align_seed.x) * -(c.y - align_seed.y)
        + (a.y - align_seed.y) * (c.x - align_seed.x))
        .unsigned_abs() as usize;
    // Spiral out from the estimate until something roughly the right size turns up, not too far.
    const DX_MAP: [i32; 4] = [1, 0, -1, 0];
    const DY_MAP: [i32; 4] = [0, -1, 0, 1];
    let mut dir = 0;
    let mut step_size = 1;
    while step_size * step_size < size_estimate * 100 {
        for _pass in 0..step_size {
            let x = align_seed.x as usize;
            let y = align_seed.y as usize;
            if x < img.w && y < img.h && img.at(x, y) != WHITE {
                let count = match img.get_region((x, y)) {
                    Region::Unclaimed { pixel_count, .. } => pixel_count,
                    // As rqrr: the same point again, without stepping.
                    _ => continue,
                };
                if count >= size_estimate / 2 && count <= size_estimate * 2 {
                    return Some(align_seed);
                }
            }
            align_seed.x += DX_MAP[dir];
            align_seed.y += DY_MAP[dir];
        }
        dir = (dir + 1) % 4;
        if dir & 1 == 0 {
            step_size += 1;
        }
    }
    None
}

/// Finds the point of a region farthest to the left of a line.
struct LeftMostFinder {
    line_p: Point,
    best: Point,
    score: i32,
}

impl AreaFiller for LeftMostFinder {
    fn update(&mut self, row: Row) {
        let left_d = -self.line_p.y * (row.left as i32) + self.line_p.x * row.y as i32;
        let right_d = -self.line_p.y * (row.right as i32) + self.line_p.x * row.y as i32;
        if left_d < self.score {
            self.score = left_d;
            self.best.x = row.left as i32;
            self.best.y = row.y as i32;
        }
        if right_d < self.score {
            self.score = right_d;
            self.best.x = row.right as i32;
            self.best.y = row.y as i32;
        }
    }
}

/// Hill-climbs the eight perspective coefficients on how well the grid's fixed patterns fit:
/// rqrr's search, step for step.
///
/// Each trial moves one coefficient. The map is x = (c0·u + c1·v + c2) / d and
/// y = (c3·u + c4·v + c5) / d with d = c6·u + c7·v + 1, so a trial of c0-c2 changes only the x
/// of each sample and one of c3-c5 only the y: the other side, with its numerator and
/// denominator, is kept from the accepted perspective. Every value is computed by the same
/// expression as [`Perspective::map`], so the scores are those of a full map.
fn jiggle_perspective(img: &Image, mut perspective: Perspective, grid_size: usize) -> Perspective {
    let samples = fitness_samples(grid_size);
    let n = samples.len();
    let c = &perspective.0;
    // The accepted perspective's numerators, denominator and rounded point, per sample.
    let mut num_x: Vec<f64> = samples
        .iter()
        .map(|&(u, v, _)| c[0] * u + c[1] * v + c[2])
        .collect();
    let mut num_y: Vec<f64> = samples
        .iter()
        .map(|&(u, v, _)| c[3] * u + c[4] * v + c[5])
        .collect();
    let mut den: Vec<f64> = samples
        .iter()
        .map(|&(u, v, _)| c[6] * u + c[7] * v + 1.0)
        .collect();
    let mut px: Vec<i32> = (0..n).map(|i| round_i32(num_x[i] / den[i])).collect();
    let mut py: Vec<i32> = (0..n).map(|i| round_i32(num_y[i] / den[i])).collect();
    let score = |px: &[i32], py: &[i32]| -> i32 {
        samples
            .iter()
            .zip(px.iter().zip(py))
            .map(|(&(_, _, w), (&x, &y))| w * img.sample(x, y))
            .sum()
    };
    let mut best = score(&px, &py);
    // A trial's values, swapped in when it is kept.
    let mut trial_num = vec![0.0; n];
    let mut trial_den = vec![0.0; n];
    let mut trial_a = vec![0i32; n];
    let mut trial_b = vec![0i32; n];
    let mut adjustments = perspective.0.map(|c| c * 0.02);
    for _pass in 0..5 {
        for i in 0..16 {
            let j = i >> 1;
            let old = perspective.0[j];
            let step = adjustments[j];
            perspective.0[j] = if i & 1 != 0 { old + step } else { old - step };
            let c = &perspective.0;
            let test = match j {
                0..=2 => {
                    for (k, &(u, v, _)) in samples.iter().enumerate() {
                        trial_num[k] = c[0] * u + c[1] * v + c[2];
                        trial_a[k] = round_i32(trial_num[k] / den[k]);
                    }
                    score(&trial_a, &py)
                }
                3..=5 => {
                    for (k, &(u, v, _)) in samples.iter().enumerate() {
                        trial_num[k] = c[3] * u + c[4] * v + c[5];
                        trial_a[k] = round_i32(trial_num[k] / den[k]);
                    }
                    score(&px, &trial_a)
                }
                _ => {
                    for (k, &(u, v, _)) in samples.iter().enumerate() {
                        trial_den[k] = c[6] * u + c[7] * v + 1.0;
                        trial_a[k] = round_i32(num_x[k] / trial_den[k]);
                        trial_b[k] = round_i32(num_y[k] / trial_den[k]);
                    }
                    score(&trial_a, &trial_b)
                }
            };
            if test > best {
                best = test;
                match j {
                    0..=2 => {
                        std::mem::swap(&mut num_x, &mut trial_num);
                        std::mem::swap(&mut px, &mut trial_a);
                    }
                    3..=5 => {
                        std::mem::swap(&mut num_y, &mut trial_num);
                        std::mem::swap(&mut py, &mut trial_a);
                    }
                    _ => {
                        std::mem::swap(&mut den, &mut trial_den);
                        std::mem::swap(&mut px, &mut trial_a);
                        std::mem::swap(&mut py, &mut trial_b);
                    }
                }
            } else {
                perspective.0[j] = old;
            }
        }
        for a in &mut adjustments {
            *a *= 0.5;
        }
    }
    perspective
}

/// The samples rqrr's fitness function takes for a grid size, as `(u, v, weight)`: each module
/// of the timing, finder and alignment patterns, weighted +1 where it should be dark and -1 where
/// light (rings of the patterns alternate), sampled 3×3. A module that two patterns share gets
/// the sum of its weights, and modules whose weights cancel are left out, so the score (a sum of
/// integers) is the same while each distinct sample is mapped once.
fn fitness_samples(grid_size: usize) -> Vec<(f64, f64, i32)> {
    let n = grid_size as i32;
    let mut cells: Vec<(i32, i32, i32)> = Vec::new();
    let ring = |cells: &mut Vec<(i32, i32, i32)>, cx: i32, cy: i32, r: i32, w: i32| {
        for i in 0..(r * 2) {
            cells.push((cx - r + i, cy - r, w));
            cells.push((cx - r, cy + r - i, w));
            cells.push((cx + r, cy - r + i, w));
            cells.push((cx + r - i, cy + r, w));
        }
    };
    for i in 0..(n - 14) {
        let expect = if 0 != i & 1 { 1 } else { -1 };
        cells.push((i + 7, 6, expect));
        cells.push((6, i + 7, expect));
    }
    for (x, y) in [(0, 0), (n - 7, 0), (0, n - 7)] {
        let (cx, cy) = (x + 3, y + 3);
        cells.push((cx, cy, 1));
        ring(&mut cells, cx, cy, 1, 1);
        ring(&mut cells, cx, cy, 2, -1);
        ring(&mut cells, cx, cy, 3, 1);
    }
    let alignment = |cells: &mut Vec<(i32, i32, i32)>, cx: i32, cy: i32| {
        cells.push((cx, cy, 1));
        ring(cells, cx, cy, 1, -1);
        ring(cells, cx, cy, 2, 1);
    };
    let apat = &APAT[version_from_grid_size(grid_size)];
    let ap_count = apat.iter().take_while(|&&a| a != 0).count();
    let centres = apat[..ap_count].iter().map(|&a| i32::from(a));
    for a in centres.clone().take(ap_count.saturating_sub(1)).skip(1) {
        alignment(&mut cells, 6, a);
        alignment(&mut cells, a, 6);
    }
    for a in centres.clone().skip(1) {
        for b in centres.clone().skip(1) {
            alignment(&mut cells, a, b);
        }
    }
    cells.sort_unstable_by_key(|&(x, y, _)| (y, x));
    let mut merged: Vec<(i32, i32, i32)> = Vec::with_capacity(cells.len());
    for (x, y, w) in cells {
        match merged.last_mut() {
            Some(last) if (last.0, last.1) == (x, y) => last.2 += w,
            _ => merged.push((x, y, w)),
        }
    }
    const OFFSETS: [f64; 3] = [0.3, 0.5, 0.7];
    let mut samples = Vec::with_capacity(merged.len() * 9);
    for (x, y, w) in merged.into_iter().filter(|c| c.2 != 0) {
        for dv in OFFSETS {
            for du in OFFSETS {
                samples.push((f64::from(x) + du, f64::from(y) + dv, w));
            }
        }
    }
    samples
}

/// rqrr's fitness score of a perspective: each sample counts its weight where it lands on a dark
/// pixel, minus its weight on a light one, nothing outside the image.
#[cfg(test)]
fn fitness(img: &Image, perspective: &Perspective, samples: &[(f64, f64, i32)]) -> i32 {
    samples
        .iter()
        .map(|&(u, v, w)| {
            let p = perspective.map(u, v);
            w * img.sample(p.x, p.y)
        })
        .sum()
}

/// How well the timing, finder and alignment patterns show through a perspective: rqrr's
/// function as it was, which [`fitness`] must match.
#[cfg(test)]
fn fitness_all(img: &Image, perspective: &Perspective, grid_size: usize) -> i32 {
    let apat = &APAT[version_from_grid_size(grid_size)];
    let mut score = 0;
    for i in 0..(grid_size as i32 - 14) {
        let expect = if 0 != i & 1 { 1 } else { -1 };
        score += fitness_cell(img, perspective, i + 7, 6) * expect;
        score += fitness_cell(img, perspective, 6, i + 7) * expect;
    }
    score += fitness_capstone(img, perspective, 0, 0);
    score += fitness_capstone(img, perspective, grid_size as i32 - 7, 0);
    score += fitness_capstone(img, perspective, 0, grid_size as i32 - 7);
    let ap_count = apat.iter().take_while(|&&a| a != 0).count();
    let centres = apat[..ap_count].iter().map(|&a| i32::from(a));
    // Along the timing patterns (neither the first centre, under a capstone, nor the last).
    for a in centres.clone().take(ap_count.saturating_sub(1)).skip(1) {
        score += fitness_apat(img, perspective, 6, a);
        score += fitness_apat(img, perspective, a, 6);
    }
    for a in centres.clone().skip(1) {
        for b in centres.clone().skip(1) {
            score += fitness_apat(img, perspective, a, b);
        }
    }
    score
}

#[cfg(test)]
fn fitness_apat(img: &Image, perspective: &Perspective, cx: i32, cy: i32) -> i32 {
    fitness_cell(img, perspective, cx, cy) - fitness_ring(img, perspective, cx, cy, 1)
        + fitness_ring(img, perspective, cx, cy, 2)
}

#[cfg(test)]
fn fitness_ring(img: &Image, perspective: &Perspective, cx: i32, cy: i32, radius: i32) -> i32 {
    let mut score = 0;
    for i in 0..(radius * 2) {
        score += fitness_cell(img, perspective, cx - radius + i, cy - radius);
        score += fitness_cell(img, perspective, cx - radius, cy + radius - i);
        score += fitness_cell(img, perspective, cx + radius, cy - radius + i);
        score += fitness_cell(img, perspective, cx + radius - i, cy + radius);
    }
    score
}

/// +1 per dark sample, -1 per light one, over a 3×3 sampling of module (x, y).
#[cfg(test)]
fn fitness_cell(img: &Image, perspective: &Perspective, x: i32, y: i32) -> i32 {
    const OFFSETS: [f64; 3] = [0.3, 0.5, 0.7];
    let mut score = 0;
    for dv in OFFSETS {
        for du in OFFSETS {
            let p = perspective.map(f64::from(x) + du, f64::from(y) + dv);
            // Samples outside the image do not count; a negative coordinate wraps to a large one.
            let (px, py) = (p.x as u32 as usize, p.y as u32 as usize);
            if px < img.w && py < img.h {
                // Without a branch: dark or light is a coin toss the predictor cannot learn.
                score += 2 * i32::from(img.px[py * img.w + px] != WHITE) - 1;
            }
        }
    }
    score
}

#[cfg(test)]
fn fitness_capstone(img: &Image, perspective: &Perspective, x: i32, y: i32) -> i32 {
    fitness_cell(img, perspective, x + 3, y + 3) + fitness_ring(img, perspective, x + 3, y + 3, 1)
        - fitness_ring(img, perspective, x + 3, y + 3, 2)
        + fitness_ring(img, perspective, x + 3, y + 3, 3)
}

/// A perspective transform from grid coordinates (u, v) to image coordinates.
#[derive(Debug, PartialEq, Clone)]
struct Perspective([f64; 8]);

/// `v.round()` (half away from zero) as an `i32`, without libm. For 0.5 <= |v| < 2^52,
/// trunc(|v| + 0.5) is exact: the sum is a multiple of ulp(|v|), and where it needs a larger
/// exponent it is at least that power of two, an integer, so its rounding cannot cross one. Below
/// 0.5 the answer is 0 (the sum could round up to 1 just below 0.5). Out-of-range values saturate
/// as `as` does; NaN gives 0.
#[inline]
fn round_i32(v: f64) -> i32 {
    let a = v.abs();
    let r = if a < 0.5 { 0 } else { (a + 0.5) as i32 };
    if v < 0.0 { -r } else { r }
}

impl Perspective {
    fn create(rect: &[Point; 4], w: f64, h: f64) -> Option<Self> {
        let [x0, x1, x2, x3] = rect.map(|p| f64::from(p.x));
        let [y0, y1, y2, y3] = rect.map(|p| f64::from(p.y));
        let wden = w * (x2 * y3 - x3 * y2 + (x3 - x2) * y1 + x1 * (y2 - y3));
        let hden = h * (x2 * y3 + x1 * (y2 - y3) - x3 * y2 + (x3 - x2) * y1);
        if wden < f64::EPSILON || hden < f64::EPSILON {
            return None;
        }
        let mut c = [0.0; 8];
        c[0] = (x1 * (x2 * y3 - x3 * y2)
            + x0 * (-x2 * y3 + x3 * y2 + (x2 - x3) * y1)
            + x1 * (x3 - x2) * y0)
            / wden;
        c[1] = -(x0 * (x2 * y3 + x1 * (y2 - y3) - x2 * y1) - x1 * x3 * y2
            + x2 * x3 * y1
            + (x1 * x3 - x2 * x3) * y0)
            / hden;
        c[2] = x0;
        c[3] = (y0 * (x1 * (y3 - y2) - x2 * y3 + x3 * y2)
            + y1 * (x2 * y3 - x3 * y2)
            + x0 * y1 * (y2 - y3))
            / wden;
        c[4] = (x0 * (y1 * y3 - y2 * y3) + x1 * y2 * y3 - x2 * y1 * y3
            + y0 * (x3 * y2 - x1 * y2 + (x2 - x3) * y1))
            / hden;
        c[5] = y0;
        c[6] = (x1 * (y3 - y2) + x0 * (y2 - y3) + (x2 - x3) * y1 + (x3 - x2) * y0) / wden;
        c[7] = (-x2 * y3 + x1 * y3 + x3 * y2 + x0 * (y1 - y2) - x3 * y1 + (x2 - x1) * y0) / hden;
        Some(Perspective(c))
    }

    #[inline]
    fn map(&self, u: f64, v: f64) -> Point {
        let c = &self.0;
        let den = c[6] * u + c[7] * v + 1.0;
        let x = (c[0] * u + c[1] * v + c[2]) / den;
        let y = (c[3] * u + c[4] * v + c[5]) / den;
        Point {
            x: round_i32(x),
            y: round_i32(y),
        }
    }

    fn unmap(&self, p: &Point) -> (f64, f64) {
        let c = &self.0;
        let x = f64::from(p.x);
        let y = f64::from(p.y);
        let den =
            -c[0] * c[7] * y + c[1] * c[6] * y + (c[3] * c[7] - c[4] * c[6]) * x + c[0] * c[4]
                - c[1] * c[3];
        let u =
            -(c[1] * (y - c[5]) - c[2] * c[7] * y + (c[5] * c[7] - c[4]) * x + c[2] * c[4]) / den;
        let v =
            (c[0] * (y - c[5]) - c[2] * c[6] * y + (c[5] * c[6] - c[3]) * x + c[2] * c[3]) / den;
        (u, v)
    }
}

fn line_intersect(p0: &Point, p1: &Point, q0: &Point, q1: &Point) -> Option<Point> {
    // (a, b) is perpendicular to line p, (c, d) to line q; e and f are the dot products of
    // those with p and q. Solve [a b; c d] r = [e; f].
    let a = -(p1.y - p0.y);
    let b = p1.x - p0.x;
    let c = -(q1.y - q0.y);
    let d = q1.x - q0.x;
    let e = a * p1.x + b * p1.y;
    let f = c * q1.x + d * q1.y;
    let det = a * d - b * c;
    if det == 0 {
        None
    } else {
        Some(Point {
            x: (d * e - b * f) / det,
            y: (-c * e + a * f) / det,
        })
    }
}

/// The points of a line, from one end to the other.
struct BresenhamScan {
    x: i32,
    y: i32,
    dom_step: i32,
    non_step: i32,
    i: i32,
    d: i32,
    n: i32,
    a: i32,
    x_dom: bool,
}

impl BresenhamScan {
    fn new(from: &Point, to: &Point) -> Self {
        let n = to.x - from.x;
        let d = to.y - from.y;
        let (x_dom, n, d) = if n.abs() > d.abs() {
            (true, d, n)
        } else {
            (false, n, d)
        };
        let (n, non_step) = if n < 0 { (-n, -1) } else { (n, 1) };
        let (d, dom_step) = if d < 0 { (-d, -1) } else { (d, 1) };
        BresenhamScan {
            x: from.x,
            y: from.y,
            dom_step,
            non_step,
            i: 0,
            d,
            n,
            a: n,
            x_dom,
        }
    }
}

impl Iterator for BresenhamScan {
    type Item = Point;

    fn next(&mut self) -> Option<Point> {
        if self.i > self.d {
            return None;
        }
        let ret = Point {
            x: self.x,
            y: self.y,
        };
        self.a += self.n;
        let (dom, non) = if self.x_dom {
            (&mut self.x, &mut self.y)
        } else {
            (&mut self.y, &mut self.x)
        };
        *dom += self.dom_step;
        if self.a >= self.d {
            *non += self.non_step;
            self.a -= self.d;
        }
        self.i += 1;
        Some(ret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_f64_round() {
        for v in [
            0.0, 0.49, 0.5, 0.51, 1.5, 2.5, -0.5, -0.49, -1.5, -2.5, 1e9, -1e9, 123.456, -7.5,
        ] {
            assert_eq!(round_i32(v), v.round() as i32, "{v}");
        }
        let below = |x: f64| f64::from_bits(x.to_bits() - 1);
        for v in [0.5, 1.5, 2.5, 3.5, 1.0, 2.0, 4.0, 1e6 + 0.5, 8_388_608.5] {
            for v in [v, below(v), -v, -below(v)] {
                assert_eq!(round_i32(v), v.round() as i32, "{v:e}");
            }
        }
        let mut seed = 3u64;
        for _ in 0..100_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let v = ((seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 4000.0;
            assert_eq!(round_i32(v), v.round() as i32, "{v:e}");
        }
        assert_eq!(round_i32(1e300), i32::MAX);
        assert_eq!(round_i32(-1e300), -i32::MAX);
        assert_eq!(round_i32(f64::NAN), 0);
    }

    #[test]
    fn merged_samples_score_as_rqrr_fitness() {
        // Noise, so that every sample counts.
        let mut seed = 7u64;
        let px = (0..300 * 280)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (seed >> 63) as u8
            })
            .collect();
        let img = Image::from_bits(300, 280, px);
        for version in 1..=40 {
            let grid_size = version * 4 + 17;
            let samples = fitness_samples(grid_size);
            for (i, corner) in [(0, 0), (9, -3), (-40, 20), (120, 150)]
                .into_iter()
                .enumerate()
            {
                let p = |x: i32, y: i32| Point {
                    x: x + corner.0,
                    y: y + corner.1,
                };
                let side = (grid_size - 7) as i32 * (1 + i as i32);
                let c = Perspective::create(
                    &[p(0, 0), p(side, 3), p(side + 5, side), p(-2, side - 4)],
                    (grid_size - 7) as f64,
                    (grid_size - 7) as f64,
                )
                .unwrap();
                assert_eq!(
                    fitness(&img, &c, &samples),
                    fitness_all(&img, &c, grid_size),
                    "version {version}, perspective {i}"
                );
            }
        }
    }

    /// rqrr's search as it was: every trial maps every sample in full.
    fn plain_jiggle(img: &Image, mut perspective: Perspective, grid_size: usize) -> Perspective {
        let mut best = fitness_all(img, &perspective, grid_size);
        let mut adjustments = perspective.0.map(|c| c * 0.02);
        for _pass in 0..5 {
            for i in 0..16 {
                let j = i >> 1;
                let old = perspective.0[j];
                let step = adjustments[j];
                perspective.0[j] = if i & 1 != 0 { old + step } else { old - step };
                let test = fitness_all(img, &perspective, grid_size);
                if test > best {
                    best = test;
                } else {
                    perspective.0[j] = old;
                }
            }
            for a in &mut adjustments {
                *a *= 0.5;
            }
        }
        perspective
    }

    #[test]
    fn incremental_jiggle_is_the_plain_search() {
        // A blocky pattern, so that some trials win and some lose.
        let px = (0..320 * 300)
            .map(|i| u8::from(((i % 320) / 7 + (i / 320) / 5) % 3 == 0))
            .collect();
        let img = Image::from_bits(320, 300, px);
        let mut moved = 0;
        for version in [1, 2, 7, 14, 25, 40] {
            let grid_size = version * 4 + 17;
            let side = (grid_size - 7) as i32 * 2;
            let p = |x, y| Point { x, y };
            let c = Perspective::create(
                &[
                    p(10, 12),
                    p(10 + side, 15),
                    p(14 + side, 9 + side),
                    p(8, 11 + side),
                ],
                (grid_size - 7) as f64,
                (grid_size - 7) as f64,
            )
            .unwrap();
            let fitted = jiggle_perspective(&img, c.clone(), grid_size);
            moved += usize::from(fitted != c);
            assert_eq!(
                fitted,
                plain_jiggle(&img, c, grid_size),
                "version {version}"
            );
        }
        assert!(
            moved >= 3,
            "only {moved} fits moved: the test exercises too little"
        );
    }

    #[test]
    fn divisor_divides_exactly() {
        let mut seed = 9u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            seed
        };
        for d in (1..300).chain([409, 2048, 2049, 65_535, 409_600, u32::MAX as u64]) {
            let by = Divisor::new(d);
            for x in [0, 1, d - 1, d, d + 1, u32::MAX as u64, 1 << 32, u64::MAX] {
                assert_eq!(by.div(x), x / d, "{x} / {d}");
            }
            for _ in 0..2000 {
                let x = next() >> 32;
                assert_eq!(by.div(x), x / d, "{x} / {d}");
                // Just below multiples, where a rounding error would show.
                let x = (x / d).max(1) * d - 1;
                assert_eq!(by.div(x), x / d, "{x} / {d}");
            }
        }
    }

    #[test]
    fn same_run_counts_the_leading_pixels_of_a_colour() {
        let row: Vec<u8> = [vec![1; 19], vec![0; 3], vec![1; 2]].concat();
        assert_eq!(same_run(&row, 1), 19);
        assert_eq!(same_run(&row[19..], 0), 3);
        assert_eq!(same_run(&row[22..], 1), 2);
        assert_eq!(same_run(&row, 0), 0);
        assert_eq!(same_run(&[], 0), 0);
        assert_eq!(same_run(&[7; 16], 7), 16);
    }

    #[test]
    fn region_cache_evicts_the_least_recently_used() {
        let mut cache = RegionCache::new();
        let region = |n| Region::Unclaimed {
            color: DISCARDED,
            src_x: n,
            src_y: 0,
            pixel_count: 1,
        };
        for slot in 0..CACHE_SLOTS {
            cache.put(slot as u8, region(slot));
        }
        assert_eq!(cache.len, CACHE_SLOTS);
        cache.get(0);
        assert_eq!(cache.pop_lru(), (1, region(1)));
        cache.put(1, region(1));
        assert_eq!(cache.pop_lru(), (2, region(2)));
    }

    #[test]
    fn bresenham_major_x_and_y() {
        let points: Vec<Point> =
            BresenhamScan::new(&Point { x: 1, y: 1 }, &Point { x: 11, y: 5 }).collect();
        let want = [
            (1, 1),
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 3),
            (6, 3),
            (7, 3),
            (8, 4),
            (9, 4),
            (10, 5),
            (11, 5),
        ];
        assert_eq!(points, want.map(|(x, y)| Point { x, y }));
        let points: Vec<Point> =
            BresenhamScan::new(&Point { x: 5, y: 11 }, &Point { x: 1, y: 1 }).collect();
        let want = [
            (5, 11),
            (5, 10),
            (4, 9),
            (4, 8),
            (3, 7),
            (3, 6),
            (3, 5),
            (2, 4),
            (2, 3),
            (1, 2),
            (1, 1),
        ];
        assert_eq!(points, want.map(|(x, y)| Point { x, y }));
    }

    #[test]
    fn lines_intersect() {
        let p = |x, y| Point { x, y };
        assert_eq!(
            line_intersect(&p(0, 0), &p(0, 10), &p(1, 1), &p(1, -9)),
            None
        );
        assert_eq!(
            line_intersect(&p(0, 0), &p(0, 10), &p(1, 1), &p(10, -9)),
            Some(p(0, 2))
        );
    }

    #[test]
    fn flood_fill_follows_connected_pixels() {
        let mut img = Image::from_bits(3, 3, vec![1, 0, 1, 1, 0, 1, 1, 1, 1]);
        let count = img.flood_fill(0, 0, BLACK, CAPSTONE, AreaCounter(0));
        assert_eq!(count.0, 7);
        assert_eq!(img.px, vec![2, 0, 2, 2, 0, 2, 2, 2, 2]);
    }
}
