//! The specs' `pattern`s, matched by a small engine of our own instead of a regex crate (one
//! dependency less to build for every user of the model): the subset of regular expressions the
//! OBIE and Monzo specs use, with the meaning the `regex` crates give it.
//!
//! Supported: literals and escaped punctuation (`\.`, `\+`, `\-`, ...), `.`, the ASCII classes
//! `\d`, `\w`, `\s` and their negations, bracket classes with ranges and negation, groups
//! `( )` (also `(?: )`), alternation `|`, the anchors `^` and `$` (start and end of the text),
//! and the repetitions `?`, `*`, `+`, `{n}`, `{n,}` and `{n,m}`. Anything else is refused when
//! the pattern is parsed (the generator parses every pattern, so generated code holds none it
//! refuses). Matching is a search, as `Regex::is_match` is: the pattern may match anywhere
//! unless anchored.
//!
//! The matcher is a Pike VM over the compiled program: time linear in the text for a given
//! pattern, whatever the text (request bodies are untrusted). This file is also compiled into
//! the generator (`xtask`), which refuses a pattern it cannot parse.

/// A parsed pattern, ready to match.
#[derive(Clone, Debug)]
pub struct Matcher {
    program: Vec<Inst>,
}

/// Why a pattern cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    /// What is wrong, and where (a character offset).
    pub reason: String,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for PatternError {}

/// The buffers a match works in, kept per thread between matches.
#[derive(Default)]
struct Scratch {
    current: Vec<usize>,
    next: Vec<usize>,
    /// The step stamp each instruction was last added at.
    seen: Vec<u64>,
    stack: Vec<usize>,
    /// The last step stamp given out.
    stamp: u64,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The most instructions a pattern may compile to (bounded repetitions are unrolled).
const MAX_PROGRAM: usize = 20_000;

/// The most a bounded repetition may count to.
const MAX_REPEAT: u32 = 1_000;

#[derive(Clone, Debug)]
enum Inst {
    Char(char),
    Class(Class),
    Split(usize, usize),
    Jump(usize),
    Start,
    End,
    Match,
}

/// A set of characters: ranges, possibly negated.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Class {
    negated: bool,
    ranges: Vec<(char, char)>,
}

impl Class {
    fn of(ranges: &[(char, char)], negated: bool) -> Class {
        Class {
            negated,
            ranges: ranges.to_vec(),
        }
    }

    fn contains(&self, c: char) -> bool {
        self.ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != self.negated
    }
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
const SPACE: &[(char, char)] = &[('\t', '\r'), (' ', ' ')];

#[derive(Clone, Debug)]
enum Node {
    Empty,
    Char(char),
    Class(Class),
    Start,
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

struct Parser<'a> {
    chars: Vec<char>,
    at: usize,
    source: &'a str,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> PatternError {
        PatternError {
            reason: format!("pattern {:?}: {what} at character {}", self.source, self.at),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn alternation(&mut self) -> Result<Node, PatternError> {
        let mut branches = vec![self.concatenation()?];
        while self.eat('|') {
            branches.push(self.concatenation()?);
        }
        Ok(if branches.len() == 1 {
            branches.remove(0)
        } else {
            Node::Alt(branches)
        })
    }

    fn concatenation(&mut self) -> Result<Node, PatternError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.repetition(atom)?);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.remove(0),
            _ => Node::Concat(items),
        })
    }

    fn atom(&mut self) -> Result<Node, PatternError> {
        let Some(c) = self.next() else {
            return Err(self.error("unexpected end"));
        };
        Ok(match c {
            '^' => Node::Start,
            '$' => Node::End,
            '.' => Node::Class(Class::of(&[('\n', '\n')], true)),
            '(' => {
                if self.eat('?') && !self.eat(':') {
                    return Err(self.error("only the non-capturing group (?:) is supported"));
                }
                let inner = self.alternation()?;
                if !self.eat(')') {
                    return Err(self.error("unclosed group"));
                }
                inner
            }
            '[' => Node::Class(self.class()?),
            '\\' => self.escape()?,
            '*' | '+' | '?' | '{' => return Err(self.error("repetition of nothing")),
            ')' => return Err(self.error("unopened group")),
            c => Node::Char(c),
        })
    }

    /// After a backslash: a class (`\d`...) or an escaped character (inside a bracket class,
    /// the same escapes hold).
    fn escape(&mut self) -> Result<Node, PatternError> {
        let Some(c) = self.next() else {
            return Err(self.error("a backslash at the end"));
        };
        Ok(match c {
            'd' => Node::Class(Class::of(DIGIT, false)),
            'D' => Node::Class(Class::of(DIGIT, true)),
            'w' => Node::Class(Class::of(WORD, false)),
            'W' => Node::Class(Class::of(WORD, true)),
            's' => Node::Class(Class::of(SPACE, false)),
            'S' => Node::Class(Class::of(SPACE, true)),
            'n' => Node::Char('\n'),
            't' => Node::Char('\t'),
            'r' => Node::Char('\r'),
            c if c.is_ascii_punctuation() => Node::Char(c),
            _ => return Err(self.error("an escape that is not supported")),
        })
    }

    fn class(&mut self) -> Result<Class, PatternError> {
        let negated = self.eat('^');
        let mut ranges: Vec<(char, char)> = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.next() else {
                return Err(self.error("unclosed class"));
            };
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = match c {
                '\\' => match self.escape()? {
                    Node::Char(c) => c,
                    Node::Class(k) if !k.negated => {
                        ranges.extend(k.ranges);
                        continue;
                    }
                    _ => return Err(self.error("a negated class inside a class")),
                },
                '[' => return Err(self.error("nested classes are not supported")),
                c => c,
            };
            // A range, unless the `-` closes the class.
            if self.peek() == Some('-') && self.chars.get(self.at + 1) != Some(&']') {
                self.at += 1;
                let hi = match self.next() {
                    Some('\\') => match self.escape()? {
                        Node::Char(c) => c,
                        _ => return Err(self.error("a class as a range's end")),
                    },
                    Some(c) => c,
                    None => return Err(self.error("unclosed class")),
                };
                if hi < lo {
                    return Err(self.error("a range out of order"));
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Class { negated, ranges })
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        let digits: String = self.chars[start..self.at].iter().collect();
        digits.parse().ok()
    }

    fn repetition(&mut self, atom: Node) -> Result<Node, PatternError> {
        let (min, max) = match self.peek() {
            Some('?') => (0, Some(1)),
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('{') => {
                self.at += 1;
                let min = self
                    .number()
                    .ok_or_else(|| self.error("a repetition without its count"))?;
                let max = if self.eat(',') {
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(
                            self.number()
                                .ok_or_else(|| self.error("a repetition without its bound"))?,
                        )
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some('}') {
                    return Err(self.error("an unclosed repetition"));
                }
                if max.is_some_and(|m| m < min) || min > MAX_REPEAT || max > Some(MAX_REPEAT) {
                    return Err(self.error("a repetition out of range"));
                }
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.at += 1;
        if matches!(self.peek(), Some('?' | '*' | '+' | '{')) {
            return Err(self.error("lazy or repeated repetitions are not supported"));
        }
        if matches!(atom, Node::Start | Node::End | Node::Empty) {
            return Err(self.error("a repetition of an anchor"));
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }
}

struct Compiler {
    program: Vec<Inst>,
}

impl Compiler {
    fn emit(&mut self, inst: Inst) -> Result<usize, PatternError> {
        if self.program.len() >= MAX_PROGRAM {
            return Err(PatternError {
                reason: "the pattern is too large".into(),
            });
        }
        self.program.push(inst);
        Ok(self.program.len() - 1)
    }

    fn compile(&mut self, node: &Node) -> Result<(), PatternError> {
        match node {
            Node::Empty => {}
            Node::Char(c) => {
                self.emit(Inst::Char(*c))?;
            }
            Node::Class(k) => {
                self.emit(Inst::Class(k.clone()))?;
            }
            Node::Start => {
                self.emit(Inst::Start)?;
            }
            Node::End => {
                self.emit(Inst::End)?;
            }
            Node::Concat(items) => {
                for item in items {
                    self.compile(item)?;
                }
            }
            Node::Alt(branches) => {
                let mut jumps = Vec::new();
                for (i, branch) in branches.iter().enumerate() {
                    if i + 1 < branches.len() {
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.compile(branch)?;
                        jumps.push(self.emit(Inst::Jump(0))?);
                        let next = self.program.len();
                        self.program[split] = Inst::Split(split + 1, next);
                    } else {
                        self.compile(branch)?;
                    }
                }
                let end = self.program.len();
                for j in jumps {
                    self.program[j] = Inst::Jump(end);
                }
            }
            Node::Repeat { node, min, max } => {
                for _ in 0..*min {
                    self.compile(node)?;
                }
                match max {
                    None => {
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.compile(node)?;
                        self.emit(Inst::Jump(split))?;
                        let end = self.program.len();
                        self.program[split] = Inst::Split(split + 1, end);
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(self.emit(Inst::Split(0, 0))?);
                            self.compile(node)?;
                        }
                        let end = self.program.len();
                        for s in splits {
                            self.program[s] = Inst::Split(s + 1, end);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl Matcher {
    /// Parses a pattern.
    pub fn new(source: &str) -> Result<Matcher, PatternError> {
        let mut parser = Parser {
            chars: source.chars().collect(),
            at: 0,
            source,
        };
        let node = parser.alternation()?;
        if parser.at < parser.chars.len() {
            return Err(parser.error("unopened group"));
        }
        let mut compiler = Compiler {
            program: Vec::new(),
        };
        compiler.compile(&node)?;
        compiler.emit(Inst::Match)?;
        Ok(Matcher {
            program: compiler.program,
        })
    }

    /// Whether the pattern matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => self.run(&mut scratch, text),
            // Only if matching re-entered itself on this thread, which it does not: fresh
            // buffers, then.
            Err(_) => self.run(&mut Scratch::default(), text),
        })
    }

    fn run(&self, scratch: &mut Scratch, text: &str) -> bool {
        let n = self.program.len();
        let Scratch {
            current,
            next,
            seen,
            stack,
            stamp,
        } = scratch;
        current.clear();
        next.clear();
        if seen.len() < n {
            seen.resize(n, 0);
        }
        // The last call may have stamped the step after its last one (a match found while
        // adding to it): start past it.
        *stamp += 1;
        let len = text.len();
        let mut chars = text.char_indices().peekable();
        let mut at = 0;
        loop {
            // Each step has a stamp of its own, so the buffers need no clearing between steps
            // or calls.
            *stamp += 1;
            let step = *stamp;
            // The threads that read the previous character were added under this step's
            // stamp already (see below); a search starts a new attempt at every position.
            if self.add(current, seen, stack, 0, at, len, step) {
                return true;
            }
            let Some((_, c)) = chars.next() else { break };
            let after = chars.peek().map_or(len, |(i, _)| *i);
            let following = step + 1;
            for &pc in current.iter() {
                let reads = match &self.program[pc] {
                    Inst::Char(x) => *x == c,
                    Inst::Class(k) => k.contains(c),
                    _ => false,
                };
                if reads && self.add(next, seen, stack, pc + 1, after, len, following) {
                    return true;
                }
            }
            std::mem::swap(current, next);
            next.clear();
            at = after;
        }
        false
    }

    /// Adds the thread at `pc` (and what it leads to without reading) to `list` for the step
    /// stamped `step`, at byte `at` of a text of `len` bytes; whether one of them is a match.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &self,
        list: &mut Vec<usize>,
        seen: &mut [u64],
        stack: &mut Vec<usize>,
        pc: usize,
        at: usize,
        len: usize,
        step: u64,
    ) -> bool {
        stack.clear();
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if seen[pc] == step {
                continue;
            }
            seen[pc] = step;
            match self.program[pc] {
                Inst::Match => return true,
                Inst::Jump(to) => stack.push(to),
                Inst::Split(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Inst::Start => {
                    if at == 0 {
                        stack.push(pc + 1);
                    }
                }
                Inst::End => {
                    if at == len {
                        stack.push(pc + 1);
                    }
                }
                Inst::Char(_) | Inst::Class(_) => list.push(pc),
            }
        }
        false
    }
}
