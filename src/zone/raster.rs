//! A coarse raster of a town's nodes, on which circle shaping makes its decisions.
//!
//! Shaping a grown set of nodes as a planning area ([`super::shape`]) asks, for every
//! candidate prefix of a growth, which nodes an opening of the closed outline keeps, which
//! land the result encloses and how large its outline would be. Answered with vector
//! buffers that is two closings and an opening of a 1–10 km² shape per prefix, most of the
//! zone stage. On a grid of a fifth of the road gap (20 m for the default 100 m circle
//! gap) the same morphology is a handful of passes over ~50,000 cells; only the prefix
//! finally chosen gets a vector outline.
//!
//! Cells are labelled with the node whose parcel covers the cell's centre (even-odd rule;
//! where parcels overlap, the later node). Morphology uses the discrete disc: a cell is
//! within `r` of another when the distance between their centres is at most `r` cells.

use geo::{Coord, MultiPolygon, Rect};

/// No node covers the cell.
pub const EMPTY: u32 = u32::MAX;

/// Most cells in one grid: a larger extent gets coarser cells (4 M cells, 16 MB of labels).
const MAX_CELLS: f64 = 4.0e6;

/// A grid of node labels over an extent.
pub struct Raster {
    x0: f64,
    y0: f64,
    cell: f64,
    nx: usize,
    ny: usize,
    label: Vec<u32>,
}

/// A set of cells of a [`Raster`] (row-major, `true` = in).
pub type Mask = Vec<bool>;

impl Raster {
    /// An empty grid over `extent` of cells about `cell` metres (coarser if the extent
    /// would need more than [`MAX_CELLS`]). `None` for an extent that is not finite.
    pub fn new(extent: Rect<f64>, cell: f64) -> Option<Raster> {
        let (w, h) = (extent.width(), extent.height());
        if !(w.is_finite() && h.is_finite() && cell.is_finite() && cell > 0.0) {
            return None;
        }
        let cell = cell.max((w.max(cell) * h.max(cell) / MAX_CELLS).sqrt());
        let nx = (w / cell).ceil() as usize + 1;
        let ny = (h / cell).ceil() as usize + 1;
        Some(Raster {
            x0: extent.min().x,
            y0: extent.min().y,
            cell,
            nx,
            ny,
            label: vec![EMPTY; nx * ny],
        })
    }

    /// Cell size, metres.
    pub fn cell(&self) -> f64 {
        self.cell
    }

    /// Area of one cell, m².
    pub fn cell_m2(&self) -> f64 {
        self.cell * self.cell
    }

    /// The cell holding `c`, if it is on the grid.
    pub fn cell_of(&self, c: Coord<f64>) -> Option<usize> {
        let i = ((c.x - self.x0) / self.cell).floor();
        let j = ((c.y - self.y0) / self.cell).floor();
        (i >= 0.0 && j >= 0.0 && (i as usize) < self.nx && (j as usize) < self.ny)
            .then(|| j as usize * self.nx + i as usize)
    }

    /// Labels with `label` every cell whose centre lies inside `shape` (even-odd over all
    /// its rings, so holes stay unlabelled).
    pub fn paint(&mut self, shape: &MultiPolygon<f64>, label: u32) {
        let mut crossings: Vec<(usize, f64)> = Vec::new();
        for poly in &shape.0 {
            crossings.clear();
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                for seg in ring.lines() {
                    self.cross(seg.start, seg.end, &mut crossings);
                }
            }
            crossings.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            // Pairs within a row (a closed ring crosses each row an even number of times).
            for row in crossings.chunk_by(|a, b| a.0 == b.0) {
                for pair in row.chunks_exact(2) {
                    let ((j, xa), (_, xb)) = (pair[0], pair[1]);
                    // Cells whose centre x0 + (i + ½)·cell lies in [xa, xb).
                    let ia = ((xa - self.x0) / self.cell - 0.5).ceil().max(0.0);
                    let ib = ((xb - self.x0) / self.cell - 0.5)
                        .ceil()
                        .min(self.nx as f64);
                    if ia < ib {
                        let start = j * self.nx;
                        self.label[start + ia as usize..start + ib as usize].fill(label);
                    }
                }
            }
        }
    }

    /// The rows whose centre line the segment `a`–`b` crosses (half-open in y, so a vertex
    /// on a centre line counts once), with the crossing's x.
    fn cross(&self, a: Coord<f64>, b: Coord<f64>, out: &mut Vec<(usize, f64)>) {
        let (lo, hi) = if a.y <= b.y { (a, b) } else { (b, a) };
        if lo.y == hi.y || !(lo.y.is_finite() && hi.y.is_finite()) {
            return;
        }
        let first = ((lo.y - self.y0) / self.cell - 0.5).ceil().max(0.0);
        let last = ((hi.y - self.y0) / self.cell - 0.5)
            .ceil()
            .min(self.ny as f64);
        let mut j = first;
        while j < last {
            let y = self.y0 + (j + 0.5) * self.cell;
            let x = lo.x + (y - lo.y) / (hi.y - lo.y) * (hi.x - lo.x);
            if x.is_finite() {
                out.push((j as usize, x));
            }
            j += 1.0;
        }
    }

    /// The cells labelled with a node for which `member` holds.
    pub fn mask(&self, member: &[bool]) -> Mask {
        self.label
            .iter()
            .map(|&l| l != EMPTY && member.get(l as usize).copied().unwrap_or(false))
            .collect()
    }

    /// Every cell within `r` metres of the mask.
    pub fn dilate(&self, mask: &[bool], r: f64) -> Mask {
        let r = (r / self.cell).max(0.0);
        let (nx, ny) = (self.nx, self.ny);
        let reach = (r.floor() as usize).min(250);
        // Per row, the distance (cells) to the nearest masked cell of the row, capped just
        // beyond the disc's reach: bytes, so the passes below run 32 cells an instruction.
        let far = (reach + 1) as u8;
        let mut row_dist = vec![far; nx * ny];
        // Rows holding no masked cell stay `far` throughout and are skipped below (a
        // growth's prefix often covers a small part of its canvas).
        let live: Vec<bool> = (0..ny)
            .map(|j| mask[j * nx..(j + 1) * nx].contains(&true))
            .collect();
        for j in (0..ny).filter(|&j| live[j]) {
            let row = &mask[j * nx..(j + 1) * nx];
            let out = &mut row_dist[j * nx..(j + 1) * nx];
            let mut d = far;
            for i in 0..nx {
                d = if row[i] {
                    0
                } else {
                    d.saturating_add(1).min(far)
                };
                out[i] = d;
            }
            let mut d = far;
            for i in (0..nx).rev() {
                d = if row[i] {
                    0
                } else {
                    d.saturating_add(1).min(far)
                };
                out[i] = out[i].min(d);
            }
        }
        // A cell is in when some row dy away has a masked cell within the disc's
        // half-width at dy.
        let half: Vec<u8> = (0..=reach)
            .map(|dy| (r * r - (dy * dy) as f64).max(0.0).sqrt().floor() as u8)
            .collect();
        let mut out = vec![0u8; nx * ny];
        for j in 0..ny {
            let cells = &mut out[j * nx..(j + 1) * nx];
            for (dy, &w) in half.iter().enumerate() {
                for jj in [j.checked_sub(dy), (dy > 0).then_some(j + dy)] {
                    let Some(jj) = jj.filter(|&jj| jj < ny && (live[jj] || w >= far)) else {
                        continue;
                    };
                    let src = &row_dist[jj * nx..(jj + 1) * nx];
                    for (c, &d) in cells.iter_mut().zip(src) {
                        *c |= (d <= w) as u8;
                    }
                }
            }
        }
        out.into_iter().map(|c| c != 0).collect()
    }

    /// The cells of the mask farther than `r` metres from every cell outside it (cells
    /// beyond the grid count as outside).
    pub fn erode(&self, mask: &[bool], r: f64) -> Mask {
        let (nx, ny) = (self.nx, self.ny);
        let mut outside: Mask = mask.iter().map(|m| !m).collect();
        // The grid's border stands for everything beyond it.
        for i in 0..nx {
            outside[i] = true;
            outside[(ny - 1) * nx + i] = true;
        }
        for j in 0..ny {
            outside[j * nx] = true;
            outside[j * nx + nx - 1] = true;
        }
        self.dilate(&outside, r).iter().map(|o| !o).collect()
    }

    /// Morphological closing by a disc of radius `r` metres.
    pub fn close(&self, mask: &[bool], r: f64) -> Mask {
        self.erode(&self.dilate(mask, r), r)
    }

    /// Morphological opening by a disc of radius `r` metres.
    pub fn open(&self, mask: &[bool], r: f64) -> Mask {
        self.dilate(&self.erode(mask, r), r)
    }

    /// The mask with its holes filled: every cell not reachable from the grid's border
    /// through cells outside the mask (4-neighbours).
    pub fn fill_holes(&self, mask: &[bool]) -> Mask {
        let (nx, ny) = (self.nx, self.ny);
        let mut reached = vec![false; nx * ny];
        let mut stack: Vec<usize> = Vec::new();
        let visit = |k: usize, reached: &mut Vec<bool>, stack: &mut Vec<usize>| {
            if !mask[k] && !reached[k] {
                reached[k] = true;
                stack.push(k);
            }
        };
        for i in 0..nx {
            visit(i, &mut reached, &mut stack);
            visit((ny - 1) * nx + i, &mut reached, &mut stack);
        }
        for j in 0..ny {
            visit(j * nx, &mut reached, &mut stack);
            visit(j * nx + nx - 1, &mut reached, &mut stack);
        }
        while let Some(k) = stack.pop() {
            let (i, j) = (k % nx, k / nx);
            if i > 0 {
                visit(k - 1, &mut reached, &mut stack);
            }
            if i + 1 < nx {
                visit(k + 1, &mut reached, &mut stack);
            }
            if j > 0 {
                visit(k - nx, &mut reached, &mut stack);
            }
            if j + 1 < ny {
                visit(k + nx, &mut reached, &mut stack);
            }
        }
        reached.iter().map(|r| !r).collect()
    }

    /// Whether the cell holding `c` is in the mask (`false` off the grid).
    pub fn holds(&self, mask: &[bool], c: Coord<f64>) -> bool {
        self.cell_of(c).is_some_and(|k| mask[k])
    }

    /// Area of a mask, m².
    pub fn area(&self, mask: &[bool]) -> f64 {
        mask.iter().filter(|&&m| m).count() as f64 * self.cell_m2()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon, Area};

    fn square(x: f64, y: f64, side: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side)],
        ])
    }

    /// A 400 m block with a 100 m courtyard.
    fn donut() -> MultiPolygon<f64> {
        let mut donut = square(100.0, 100.0, 400.0);
        donut.0[0].interiors_push(vec![
            (200.0, 200.0),
            (300.0, 200.0),
            (300.0, 300.0),
            (200.0, 300.0),
            (200.0, 200.0),
        ]);
        donut
    }

    fn grid(w: f64, cell: f64) -> Raster {
        Raster::new(
            Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: w, y: w }),
            cell,
        )
        .unwrap()
    }

    #[test]
    fn dilation_is_the_disc_dilation_also_beside_empty_rows() {
        // A few scattered cells, most rows empty (those rows are skipped): every cell is
        // in exactly when some masked cell's centre lies within r cells of its centre.
        let r = grid(400.0, 10.0);
        let (nx, ny) = (r.nx, r.ny);
        let mut mask = vec![false; nx * ny];
        for &(i, j) in &[(3, 2), (20, 20), (21, 20), (39, 40), (0, 35)] {
            mask[j * nx + i] = true;
        }
        for radius in [0.0, 10.0, 25.0, 35.0, 80.0] {
            let got = r.dilate(&mask, radius);
            let cells = radius / r.cell();
            assert_eq!(got.len(), nx * ny);
            for (k, &cell) in got.iter().enumerate() {
                let (i, j) = ((k % nx) as f64, (k / nx) as f64);
                let want = (0..nx * ny).filter(|&m| mask[m]).any(|m| {
                    let (a, b) = ((m % nx) as f64, (m / nx) as f64);
                    (a - i).powi(2) + (b - j).powi(2) <= cells * cells + 1e-9
                });
                assert_eq!(cell, want, "r {radius}, cell {k}");
            }
        }
        assert!(!r.dilate(&vec![false; nx * ny], 50.0).contains(&true));
    }

    #[test]
    fn painting_covers_the_polygon_and_leaves_its_holes() {
        let mut r = grid(1000.0, 10.0);
        let donut = donut();
        r.paint(&donut, 0);
        let m = r.mask(&[true]);
        assert!(
            (r.area(&m) - donut.unsigned_area()).abs() < 1e-6,
            "{}",
            r.area(&m)
        );
        assert!(!r.holds(&m, coord! { x: 250.0, y: 250.0 }));
        assert!(r.holds(&m, coord! { x: 150.0, y: 150.0 }));
        assert!(!r.holds(&m, coord! { x: 50.0, y: 50.0 }));
        // A tilted triangle: area within a cell's worth of its perimeter.
        let mut t = grid(1000.0, 10.0);
        let tri = MultiPolygon(vec![
            polygon![(x: 13.0, y: 7.0), (x: 913.0, y: 111.0), (x: 407.0, y: 877.0)],
        ]);
        t.paint(&tri, 0);
        let got = t.area(&t.mask(&[true]));
        let want = tri.unsigned_area();
        assert!((got - want).abs() < 0.03 * want, "{got} vs {want}");
    }

    #[test]
    fn closing_bridges_gaps_narrower_than_the_disc_only() {
        let mut r = grid(1000.0, 10.0);
        r.paint(&square(100.0, 100.0, 200.0), 0);
        r.paint(&square(380.0, 100.0, 200.0), 1); // 80 m road
        r.paint(&square(100.0, 420.0, 200.0), 2); // 120 m road
        let m = r.mask(&[true, true, true]);
        let closed = r.close(&m, 50.0);
        assert!(
            r.holds(&closed, coord! { x: 340.0, y: 200.0 }),
            "80 m gap closed"
        );
        assert!(
            !r.holds(&closed, coord! { x: 200.0, y: 360.0 }),
            "120 m gap open"
        );
        // Closing is extensive and keeps square corners of a lone block.
        assert!(m.iter().zip(&closed).all(|(a, b)| !a || *b));
        assert!(r.holds(&closed, coord! { x: 105.0, y: 105.0 }));
    }

    #[test]
    fn opening_removes_arms_narrower_than_its_diameter() {
        let mut r = grid(1000.0, 10.0);
        r.paint(&square(100.0, 100.0, 400.0), 0);
        // A 60 m wide arm east of the block.
        r.paint(
            &MultiPolygon(vec![
                polygon![(x: 500.0, y: 270.0), (x: 900.0, y: 270.0), (x: 900.0, y: 330.0), (x: 500.0, y: 330.0)],
            ]),
            1,
        );
        let m = r.mask(&[true, true]);
        let opened = r.open(&m, 70.0);
        assert!(!r.holds(&opened, coord! { x: 800.0, y: 300.0 }), "arm gone");
        assert!(
            r.holds(&opened, coord! { x: 300.0, y: 300.0 }),
            "block stays"
        );
        // The opening rounds the block's corners by less than the disc's radius.
        assert!(!r.holds(&opened, coord! { x: 105.0, y: 105.0 }));
        assert!(r.holds(&opened, coord! { x: 135.0, y: 135.0 }));
    }

    #[test]
    fn holes_are_filled_and_the_outside_is_not() {
        let mut r = grid(1000.0, 10.0);
        let donut = donut();
        r.paint(&donut, 0);
        let filled = r.fill_holes(&r.mask(&[true]));
        assert!(r.holds(&filled, coord! { x: 250.0, y: 250.0 }));
        assert!(!r.holds(&filled, coord! { x: 700.0, y: 700.0 }));
    }

    #[test]
    fn a_huge_extent_gets_coarser_cells_and_bad_input_no_grid() {
        let r = grid(1.0e6, 10.0);
        assert!(r.nx * r.ny <= (MAX_CELLS * 1.01) as usize);
        assert!(Raster::new(
            Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: f64::NAN, y: 1.0 }),
            10.0
        )
        .is_none());
        // Hostile coordinates paint nothing and do not panic.
        let mut r = grid(100.0, 10.0);
        r.paint(
            &MultiPolygon(vec![
                polygon![(x: f64::NAN, y: 0.0), (x: 1e300, y: -1e300), (x: 50.0, y: f64::INFINITY)],
            ]),
            0,
        );
    }
}
