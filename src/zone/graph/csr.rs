//! The neighbour graph in compressed sparse row form, and its connected components.

/// Symmetric neighbour graph in CSR form: the neighbours of `i` are
/// `targets[offsets[i]..offsets[i + 1]]`, ascending, with no self loops.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    pub offsets: Vec<usize>,
    pub targets: Vec<u32>,
}

impl Graph {
    /// Neighbours of node `i`, ascending.
    pub fn neighbours(&self, i: usize) -> &[u32] {
        &self.targets[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of (undirected) edges.
    pub fn edges(&self) -> usize {
        self.targets.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Builds the graph from undirected pairs `(i, j)`, `i < j`, sorted and without
    /// duplicates, over `n` nodes.
    pub(super) fn from_sorted_pairs(n: usize, pairs: &[(u32, u32)]) -> Graph {
        let mut offsets = vec![0usize; n + 1];
        for &(i, j) in pairs {
            offsets[i as usize + 1] += 1;
            offsets[j as usize + 1] += 1;
        }
        for k in 0..n {
            offsets[k + 1] += offsets[k];
        }
        let mut cursor = offsets.clone();
        let mut targets = vec![0u32; pairs.len() * 2];
        // In lexicographic order, every (k, i) with k < i comes before every (i, j): each
        // list fills in ascending order.
        for &(i, j) in pairs {
            targets[cursor[i as usize]] = j;
            cursor[i as usize] += 1;
            targets[cursor[j as usize]] = i;
            cursor[j as usize] += 1;
        }
        Graph { offsets, targets }
    }
}

/// Connected components of the subgraph induced by `include` (parallel to the nodes):
/// each component sorted ascending, components ordered by their smallest member.
///
/// # Panics
/// When `include` is not parallel to the graph's nodes.
pub fn components(graph: &Graph, include: &[bool]) -> Vec<Vec<u32>> {
    assert_eq!(
        include.len(),
        graph.len(),
        "components: include must be parallel to the nodes"
    );
    let mut seen = vec![false; graph.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..graph.len() {
        if !include[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start as u32);
        let mut comp = Vec::new();
        while let Some(v) = stack.pop() {
            comp.push(v);
            for &w in graph.neighbours(v as usize) {
                if include[w as usize] && !seen[w as usize] {
                    seen[w as usize] = true;
                    stack.push(w);
                }
            }
        }
        comp.sort_unstable();
        out.push(comp);
    }
    out
}
