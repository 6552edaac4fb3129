//! What both modes share in grouping their input by pot: pot ids numbered in the order first
//! seen, and the room each pot's ledger starts with.

use std::collections::HashMap;

/// Pot ids, numbered 0, 1, … in the order first seen.
///
/// Inputs come grouped (a history in booking order has runs of one pot's transactions), so the
/// previous lookup's pot is tried before the map. A pot's id is copied twice when it is first
/// seen (its name and its key), never per lookup.
#[derive(Default)]
pub(crate) struct PotNumbers {
    ids: Vec<String>,
    index: HashMap<String, usize>,
    last: Option<usize>,
}

impl PotNumbers {
    /// The number of the pot `pot_id`, and whether it is new (numbered by this call, so the
    /// caller makes its pot, at that number).
    pub(crate) fn number(&mut self, pot_id: &str) -> (usize, bool) {
        if let Some(i) = self.last {
            if self.ids[i] == pot_id {
                return (i, false);
            }
        }
        let (i, new) = match self.index.get(pot_id) {
            Some(i) => (*i, false),
            None => {
                let i = self.ids.len();
                self.ids.push(pot_id.to_owned());
                self.index.insert(pot_id.to_owned(), i);
                (i, true)
            }
        };
        self.last = Some(i);
        (i, new)
    }
}

/// The room a pot's ledger makes at its first transaction when `pots` pots share `items`
/// transactions: its share, an eighth more and 8 (at most all of them), so that in the usual
/// case its lines are allocated once. A pot with more grows; one with fewer never touches the
/// rest, which it gives back at the end; a pot without transactions makes none. In all, at
/// most 9/8 of `items` and 8 lines per pot that has transactions.
pub(crate) fn room(items: usize, pots: usize) -> usize {
    match pots {
        0 => 0,
        pots => {
            let share = items / pots;
            (share + share / 8 + 8).min(items)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{room, PotNumbers};

    #[test]
    fn pots_are_numbered_in_the_order_first_seen() {
        let mut n = PotNumbers::default();
        let got: Vec<(usize, bool)> = ["a", "a", "b", "a", "c", "b", "b"]
            .iter()
            .map(|id| n.number(id))
            .collect();
        assert_eq!(
            got,
            [
                (0, true),
                (0, false),
                (1, true),
                (0, false),
                (2, true),
                (1, false),
                (1, false)
            ]
        );
    }

    #[test]
    fn room_is_a_share_and_an_eighth_at_most_everything() {
        assert_eq!(room(1_000, 0), 0);
        assert_eq!(room(1_000, 10), 100 + 12 + 8);
        assert_eq!(room(1_000, 1), 1_000);
        assert_eq!(room(5, 50), 5);
        assert_eq!(room(0, 3), 0);
    }
}
