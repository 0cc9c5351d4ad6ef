//! The analyzer: jieba with a domain lexicon, a tantivy tokenizer built on it, and the
//! synonym table expanded at query time.
//!
//! Both tables ship as data files (`crates/search/data/`) embedded as defaults; an operator
//! extends them by putting `lexicon.txt` / `synonyms.txt` in a directory passed to
//! [`Lexicon::load_dir`] — no rebuild.

use jieba_rs::Jieba;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The default domain lexicon (one word per line, optional frequency).
pub const DEFAULT_LEXICON: &str = include_str!("../data/lexicon.txt");
/// The default synonym groups (one group per line).
pub const DEFAULT_SYNONYMS: &str = include_str!("../data/synonyms.txt");

/// The name the tokenizer is registered under in every index.
pub const TOKENIZER: &str = "techmarket_zh";

/// Words added to jieba plus synonym groups.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// (word, frequency)
    pub words: Vec<(String, Option<usize>)>,
    pub synonym_groups: Vec<Vec<String>>,
}

impl Lexicon {
    /// The shipped tables.
    pub fn builtin() -> Lexicon {
        let mut l = Lexicon::default();
        l.add_lexicon_text(DEFAULT_LEXICON);
        l.add_synonyms_text(DEFAULT_SYNONYMS);
        l
    }

    /// The shipped tables extended by `lexicon.txt` and `synonyms.txt` in `dir` (each optional).
    pub fn load_dir(dir: impl AsRef<Path>) -> std::io::Result<Lexicon> {
        let mut l = Lexicon::builtin();
        let dir = dir.as_ref();
        let lex = dir.join("lexicon.txt");
        if lex.exists() {
            l.add_lexicon_text(&std::fs::read_to_string(lex)?);
        }
        let syn = dir.join("synonyms.txt");
        if syn.exists() {
            l.add_synonyms_text(&std::fs::read_to_string(syn)?);
        }
        Ok(l)
    }

    /// Adds lines `word [freq]`; `#` starts a comment.
    pub fn add_lexicon_text(&mut self, text: &str) {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let mut parts = line.split_whitespace();
            let Some(word) = parts.next() else { continue };
            let freq = parts.next().and_then(|f| f.parse::<usize>().ok());
            self.words.push((word.to_string(), freq));
        }
    }

    /// Adds lines of whitespace-separated synonyms; `#` starts a comment.
    pub fn add_synonyms_text(&mut self, text: &str) {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let group: Vec<String> = line.split_whitespace().map(normalize).collect();
            if group.len() >= 2 {
                self.synonym_groups.push(group);
            }
        }
    }
}

/// Lowercases ASCII; the only normalization applied to both indexed and query text.
fn normalize(s: &str) -> String {
    s.to_ascii_lowercase()
}

pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_word(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// jieba with the lexicon, and the synonym map. Cheap to clone.
#[derive(Clone)]
pub struct Analyzer {
    jieba: Arc<Jieba>,
    synonyms: Arc<HashMap<String, Vec<String>>>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("synonyms", &self.synonyms.len())
            .finish()
    }
}

impl Analyzer {
    pub fn new(lexicon: &Lexicon) -> Analyzer {
        let mut jieba = Jieba::new();
        for (w, f) in &lexicon.words {
            jieba.add_word(w, *f, None);
        }
        let mut synonyms: HashMap<String, Vec<String>> = HashMap::new();
        for group in &lexicon.synonym_groups {
            for w in group {
                // Keep synonyms whole when segmenting, unless the lexicon already has them.
                if !jieba.has_word(w) && w.chars().any(is_cjk) {
                    jieba.add_word(w, Some(2000), None);
                }
                let entry = synonyms.entry(w.clone()).or_default();
                for other in group {
                    if other != w && !entry.contains(other) {
                        entry.push(other.clone());
                    }
                }
            }
        }
        Analyzer {
            jieba: Arc::new(jieba),
            synonyms: Arc::new(synonyms),
        }
    }

    /// The tokens for indexing: jieba search mode, one token per CJK character of a longer word
    /// (so one-character queries match) and one per pair of adjacent CJK characters (so
    /// two-character queries match however the text was segmented), positions counted in
    /// characters, sorted by position.
    pub fn index_tokens(&self, text: &str) -> Vec<Token> {
        let mut out: Vec<Token> = Vec::new();
        for t in self.jieba.cut_for_search(text, true) {
            if !is_word(t.word) {
                continue;
            }
            out.push(Token {
                offset_from: t.byte_start,
                offset_to: t.byte_end,
                position: t.start,
                text: normalize(t.word),
                position_length: 1,
            });
            let len = t.end - t.start;
            if len > 4 {
                // jieba's search mode offers the 2- and 3-character words inside a longer one;
                // the longer dictionary words inside it (复合材料 in 碳纤维复合材料) are offered
                // here, so a known word is found as one term wherever it stands.
                let bounds: Vec<usize> = t
                    .word
                    .char_indices()
                    .map(|(b, _)| b)
                    .chain(std::iter::once(t.word.len()))
                    .collect();
                for n in 4..len {
                    for i in 0..=len - n {
                        let sub = &t.word[bounds[i]..bounds[i + n]];
                        if self.jieba.has_word(sub) {
                            out.push(Token {
                                offset_from: t.byte_start + bounds[i],
                                offset_to: t.byte_start + bounds[i + n],
                                position: t.start + i,
                                text: normalize(sub),
                                position_length: 1,
                            });
                        }
                    }
                }
            }
            if len > 1 {
                let mut byte = t.byte_start;
                for (i, c) in t.word.chars().enumerate() {
                    let len = c.len_utf8();
                    if is_cjk(c) {
                        out.push(Token {
                            offset_from: byte,
                            offset_to: byte + len,
                            position: t.start + i,
                            text: c.to_string(),
                            position_length: 1,
                        });
                    }
                    byte += len;
                }
            }
        }
        // Every pair of adjacent CJK characters, across word boundaries: a two-character query
        // word is then one term wherever its characters stand together, and a longer word not
        // found whole is a phrase of its pairs (far shorter posting lists than single characters).
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        for (i, pair) in chars.windows(2).enumerate() {
            let [(b0, c0), (b1, c1)] = [pair[0], pair[1]];
            if is_cjk(c0) && is_cjk(c1) {
                let mut bigram = String::with_capacity(c0.len_utf8() + c1.len_utf8());
                bigram.push(c0);
                bigram.push(c1);
                out.push(Token {
                    offset_from: b0,
                    offset_to: b1 + c1.len_utf8(),
                    position: i,
                    text: bigram,
                    position_length: 1,
                });
            }
        }
        out.sort_by(|a, b| (a.position, a.offset_to, &a.text).cmp(&(b.position, b.offset_to, &b.text)));
        out.dedup_by(|a, b| a.position == b.position && a.text == b.text);
        out
    }

    /// The words of a query (jieba's default mode), normalized, without punctuation.
    pub fn query_words(&self, text: &str) -> Vec<String> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .map(|t| normalize(t.word.trim()))
            .filter(|w| !w.is_empty())
            .collect()
    }

    /// The other words of the word's synonym group.
    pub fn synonyms(&self, word: &str) -> &[String] {
        self.synonyms.get(word).map(Vec::as_slice).unwrap_or(&[])
    }

    /// CJK characters of a word (for the character backoff of matching).
    pub fn unigrams(word: &str) -> Vec<String> {
        word.chars().map(|c| c.to_string()).collect()
    }

    /// The pairs of adjacent characters of a word (the phrase a longer word is found by when
    /// the text was segmented differently).
    pub fn bigrams(word: &str) -> Vec<String> {
        let chars: Vec<char> = word.chars().collect();
        chars.windows(2).map(|p| p.iter().collect()).collect()
    }

    /// Whether the word is in the dictionary (jieba's or the lexicon): such a word is indexed
    /// as one term wherever the text contains it within a word.
    pub fn is_known_word(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// Whether every character of the word is CJK.
    pub fn is_cjk_word(word: &str) -> bool {
        !word.is_empty() && word.chars().all(is_cjk)
    }

    /// The tantivy tokenizer over this analyzer.
    pub fn tokenizer(&self) -> ZhTokenizer {
        ZhTokenizer(self.clone())
    }
}

/// jieba search mode + CJK unigrams as a tantivy tokenizer.
#[derive(Clone)]
pub struct ZhTokenizer(Analyzer);

pub struct VecTokenStream {
    tokens: Vec<Token>,
    index: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: self.0.index_tokens(text),
            index: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicon_words_stay_whole_and_unigrams_are_added() {
        let a = Analyzer::new(&Lexicon::builtin());
        let toks: Vec<String> = a
            .index_tokens("碳纤维复合材料的制备")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert!(toks.contains(&"碳纤维复合材料".to_string()), "{toks:?}");
        assert!(toks.contains(&"材料".to_string()), "{toks:?}");
        assert!(toks.contains(&"碳".to_string()), "{toks:?}");
        assert!(a.synonyms("pla").contains(&"聚乳酸".to_string()));
    }

    #[test]
    fn pairs_and_longer_dictionary_words_stand_at_their_character_positions() {
        let a = Analyzer::new(&Lexicon::builtin());
        let toks = a.index_tokens("碳纤维复合材料的制备");
        let at = |text: &str| toks.iter().find(|t| t.text == text).map(|t| t.position);
        // A four-character dictionary word inside a longer one is a term of its own.
        assert!(a.is_known_word("复合材料"));
        assert_eq!(at("复合材料"), Some(3), "{toks:?}");
        // Every pair of adjacent characters, across word boundaries too, at its first
        // character's position (what a phrase of pairs expects).
        assert_eq!(at("纤维"), Some(1));
        assert_eq!(at("合材"), Some(4));
        assert_eq!(at("料的"), Some(6));
        assert_eq!(at("制备"), Some(8));
        // Positions never go backwards (tantivy requires it).
        assert!(toks.windows(2).all(|w| w[0].position <= w[1].position));
    }

    #[test]
    fn load_dir_extends_the_builtin_tables() {
        let dir = std::env::temp_dir().join(format!("tm-lex-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("synonyms.txt"), "玄武岩纤维 BF\n").unwrap();
        let l = Lexicon::load_dir(&dir).unwrap();
        let a = Analyzer::new(&l);
        assert_eq!(a.synonyms("bf"), ["玄武岩纤维".to_string()]);
        assert!(!a.synonyms("pla").is_empty());
        std::fs::remove_dir_all(&dir).ok();
    }
}
