//! Percent-encodes, at the connection level, the request-target bytes that actix-web would
//! refuse, so that identity providers sending raw quotes still reach the SCIM handlers.
//!
//! Microsoft Entra ID (and its SCIM validator) sends `GET /Users?filter=userName+eq+"a%40b"`
//! with literal `"`. `httparse` accepts every visible byte in a request-target (`!`..=`~` and
//! 0x80..=0xFF), but actix-http 3 then builds the URI with `http` 0.2's `Uri::try_from`, whose
//! path-and-query scanner (`http::uri::path`, same byte classes in `http` 1.x) refuses:
//!
//! - in the path (before the first `?`): `<` `>` `` ` `` and every byte >= 0x80;
//! - in the query (after it): `"` `<` `>` and every byte >= 0x80;
//! - nothing after a `#`: `http` truncates the fragment without looking at it.
//!
//! (`\` `^` `{` `|` `}` are accepted in both places, `"` in the path; they are left alone.) A
//! refused byte makes actix answer an empty 400 before any application code runs. This module
//! rewrites exactly those bytes as `%XX`, so a request actix would accept passes byte for byte
//! and a request it would refuse now carries the percent-encoded form a careful client sends.
//!
//! Only the request-target of each request line is touched, never headers or bodies. Requests
//! follow each other on a keep-alive connection, so [`Rewriter`] tracks the message framing
//! actix uses (request line, headers up to the empty line, `Content-Length` body bytes, next
//! request line). Whatever it cannot frame safely (`Transfer-Encoding`, `Upgrade`, `CONNECT`,
//! a repeated or malformed `Content-Length`, folded or unparsable header lines, a line over
//! [`MAX_LINE`] bytes) switches it to pass-through for the rest of the connection: actix then
//! sees the raw bytes and decides as it always did.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The longest request or header line (terminator included) that is buffered and inspected.
pub const MAX_LINE: usize = 16 * 1024;

/// How much is read from the socket at a time while rewriting.
const READ_CHUNK: usize = 8 * 1024;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Where the next byte from the peer falls.
#[derive(Debug, Default, PartialEq, Eq)]
enum State {
    /// Before or inside a request line, which is buffered whole.
    #[default]
    RequestLine,
    /// Inside the header section; each line is buffered, emitted unchanged and inspected.
    Headers,
    /// This many body bytes remain before the next request line.
    Body(u64),
    /// Framing is lost or unsafe to follow: every byte passes unchanged from now on.
    PassThrough,
}

/// The connection-level rewriter, free of I/O: feed it what the peer sent, get what actix
/// should read.
#[derive(Debug, Default)]
pub struct Rewriter {
    state: State,
    /// The incomplete line being buffered (request or header line).
    line: Vec<u8>,
    /// The current request's `Content-Length`, once seen.
    content_length: Option<u64>,
    /// Whether the current request's body can't be framed (see the module docs).
    unframeable: bool,
}

impl Rewriter {
    /// Whether every further byte passes unchanged.
    pub fn is_passing_through(&self) -> bool {
        self.state == State::PassThrough
    }

    /// Consumes bytes read from the peer and appends what actix should read to `out`. Bytes of
    /// an incomplete line are held back until the line completes.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            match self.state {
                State::PassThrough => {
                    out.extend_from_slice(input);
                    return;
                }
                State::Body(left) => {
                    let take = usize::try_from(left).map_or(input.len(), |l| l.min(input.len()));
                    out.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    let left = left - take as u64;
                    self.state = match left {
                        0 => State::RequestLine,
                        n => State::Body(n),
                    };
                }
                State::RequestLine if self.line.is_empty() && matches!(input[0], b'\r' | b'\n') => {
                    // httparse skips empty lines before a request line; so do we, unchanged.
                    out.push(input[0]);
                    input = &input[1..];
                }
                State::RequestLine | State::Headers => {
                    let complete = match input.iter().position(|&b| b == b'\n') {
                        Some(i) => {
                            self.line.extend_from_slice(&input[..=i]);
                            input = &input[i + 1..];
                            true
                        }
                        None => {
                            self.line.extend_from_slice(input);
                            input = &[];
                            false
                        }
                    };
                    if self.line.len() > MAX_LINE {
                        out.append(&mut self.line);
                        self.state = State::PassThrough;
                    } else if complete {
                        let line = std::mem::take(&mut self.line);
                        if self.state == State::RequestLine {
                            self.request_line(&line, out);
                        } else {
                            out.extend_from_slice(&line);
                            self.header_line(&line);
                        }
                        self.line = line;
                        self.line.clear();
                    }
                }
            }
        }
    }

    /// The peer closed its side: releases whatever is held back, unchanged.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.line);
        self.state = State::PassThrough;
    }

    fn request_line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        self.content_length = None;
        // A CONNECT tunnel is read to EOF by actix, not framed.
        self.unframeable = line.starts_with(b"CONNECT ");
        self.state = State::Headers;
        // `METHOD SP request-target SP HTTP-version`, exactly one space each (httparse's default).
        let Some(start) = line.iter().position(|&b| b == b' ').map(|i| i + 1) else {
            out.extend_from_slice(line);
            return;
        };
        let end = line[start..]
            .iter()
            .position(|&b| matches!(b, b' ' | b'\r' | b'\n'))
            .map_or(line.len(), |i| start + i);
        out.extend_from_slice(&line[..start]);
        let target = &line[start..end];
        if target.first() == Some(&b'/') {
            encode_origin_form(target, out);
        } else {
            // absolute-form, authority-form or `*`: not what SCIM clients send; left alone.
            out.extend_from_slice(target);
        }
        out.extend_from_slice(&line[end..]);
    }

    fn header_line(&mut self, line: &[u8]) {
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if content.is_empty() {
            self.state = match (self.unframeable, self.content_length) {
                (true, _) => State::PassThrough,
                (false, Some(n)) if n > 0 => State::Body(n),
                (false, _) => State::RequestLine,
            };
            return;
        }
        let colon = content.iter().position(|&b| b == b':');
        let (Some(colon), false) = (colon, matches!(content[0], b' ' | b'\t')) else {
            // obs-fold or not a header at all: httparse refuses it; don't guess the framing.
            self.unframeable = true;
            return;
        };
        let name = content[..colon].trim_ascii();
        let value = content[colon + 1..].trim_ascii();
        if name.eq_ignore_ascii_case(b"content-length") {
            match (self.content_length, parse_length(value)) {
                (None, Some(n)) => self.content_length = Some(n),
                _ => self.unframeable = true,
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding")
            || name.eq_ignore_ascii_case(b"upgrade")
        {
            self.unframeable = true;
        }
    }
}

/// A `Content-Length` value: ASCII digits only (actix refuses a sign), within `u64`.
fn parse_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |n, &b| {
        let digit = char::from(b).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// Copies an origin-form request-target, percent-encoding the bytes `http`'s URI parser refuses
/// at their position (see the module docs).
fn encode_origin_form(target: &[u8], out: &mut Vec<u8>) {
    let mut in_query = false;
    for (i, &b) in target.iter().enumerate() {
        let refused = match b {
            b'#' => {
                out.extend_from_slice(&target[i..]);
                return;
            }
            b'?' => {
                in_query = true;
                false
            }
            b'<' | b'>' | 0x80..=0xFF => true,
            b'"' => in_query,
            b'`' => !in_query,
            _ => false,
        };
        if refused {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xF)]]);
        } else {
            out.push(b);
        }
    }
}

/// A connection whose read side goes through a [`Rewriter`]; writes pass straight through.
pub struct RewriteTargets<IO> {
    io: IO,
    rewriter: Rewriter,
    /// Rewritten bytes not yet handed to the reader, from `pos` on.
    pending: Vec<u8>,
    pos: usize,
    chunk: Box<[u8]>,
    eof: bool,
}

impl<IO> RewriteTargets<IO> {
    pub fn new(io: IO) -> Self {
        RewriteTargets {
            io,
            rewriter: Rewriter::default(),
            pending: Vec::new(),
            pos: 0,
            chunk: vec![0; READ_CHUNK].into_boxed_slice(),
            eof: false,
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for RewriteTargets<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.pos < this.pending.len() {
                let n = buf.remaining().min(this.pending.len() - this.pos);
                buf.put_slice(&this.pending[this.pos..this.pos + n]);
                this.pos += n;
                if this.pos == this.pending.len() {
                    this.pending.clear();
                    this.pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.eof || buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            if this.rewriter.is_passing_through() {
                return Pin::new(&mut this.io).poll_read(cx, buf);
            }
            let mut chunk = ReadBuf::new(&mut this.chunk);
            ready!(Pin::new(&mut this.io).poll_read(cx, &mut chunk))?;
            if chunk.filled().is_empty() {
                this.eof = true;
                this.rewriter.finish(&mut this.pending);
            } else {
                this.rewriter.feed(chunk.filled(), &mut this.pending);
            }
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for RewriteTargets<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    const ENTRA: &[u8] =
        b"GET /scim/v2/Users?filter=userName+eq+\"a%40b.uk\" HTTP/1.1\r\nHost: h\r\n\r\n";
    const ENCODED: &[u8] =
        b"GET /scim/v2/Users?filter=userName+eq+%22a%40b.uk%22 HTTP/1.1\r\nHost: h\r\n\r\n";
    /// A POST body holding quotes and a fake request line; then an Entra GET with bare LFs.
    const BODY: &str = "{\"a\":\"\\\"q\\\"\"}\nGET /?x=\"y\" HTTP/1.1\r\n";
    const NEXT: &str = "GET /?f=\"z\" HTTP/1.1\nHost: h\n\n";

    fn pipelined(next: &str) -> Vec<u8> {
        let head = "POST /scim/v2/Users HTTP/1.1\r\nHost: h\r\nContent-Length";
        format!("{head}: {}\r\n\r\n{BODY}{next}", BODY.len()).into_bytes()
    }

    /// What actix reads after these reads, without the peer closing.
    fn feed_all(chunks: &[&[u8]]) -> (Vec<u8>, Rewriter) {
        let (mut r, mut out) = (Rewriter::default(), Vec::new());
        for chunk in chunks {
            r.feed(chunk, &mut out);
        }
        (out, r)
    }

    fn rewrite(input: &[u8]) -> Vec<u8> {
        let (mut out, mut r) = feed_all(&[input]);
        r.finish(&mut out);
        out
    }

    #[test]
    fn quotes_in_the_query_are_percent_encoded_and_the_encoded_form_is_untouched() {
        assert_eq!(rewrite(ENTRA), ENCODED);
        assert_eq!(rewrite(ENCODED), ENCODED);
    }

    #[test]
    fn exactly_the_bytes_the_uri_parser_refuses_are_encoded() {
        // Every byte httparse accepts in a request-target, in the path and in the query.
        for b in (0x21..=0xFFu8).filter(|&b| b != 0x7F) {
            for raw in [vec![b'/', b'a', b, b'b'], vec![b'/', b'?', b'a', b, b'b']] {
                let mut line = b"GET ".to_vec();
                line.extend_from_slice(&raw);
                line.extend_from_slice(b" HTTP/1.1\r\n");
                let out = rewrite(&line);
                let target = &out[4..out.len() - 11];
                let parsed = actix_http::Uri::try_from(target);
                assert!(parsed.is_ok(), "{raw:?} became {target:?}");
                if actix_http::Uri::try_from(&raw[..]).is_ok() {
                    assert_eq!(target, &raw[..], "an accepted target is left alone");
                } else {
                    assert_eq!(target.len(), raw.len() + 2, "{raw:?}: one byte encoded");
                }
            }
        }
        let line = "GET /a<`é>?q=\"`{|}\\^é\"#\"<> HTTP/1.1\r\n";
        let want = "GET /a%3C%60%C3%A9%3E?q=%22`{|}\\^%C3%A9%22#\"<> HTTP/1.1\r\n";
        assert_eq!(rewrite(line.as_bytes()), want.as_bytes());
        for other in [
            "GET http://h/?a=\"b\" HTTP/1.1\r\n",
            "OPTIONS * HTTP/1.1\r\n",
        ] {
            assert_eq!(rewrite(other.as_bytes()), other.as_bytes());
        }
    }

    #[test]
    fn keep_alive_requests_are_framed_and_bodies_headers_stay_untouched() {
        let want = pipelined("GET /?f=%22z%22 HTTP/1.1\nHost: h\n\n");
        assert_eq!(rewrite(&pipelined(NEXT)), want);
        let headers = b"GET /?a=\"1\" HTTP/1.1\r\nX-F: \"q\"\r\n\r\n\r\nGET /?b=\"2\" HTTP/1.1\r\n";
        let want =
            b"GET /?a=%221%22 HTTP/1.1\r\nX-F: \"q\"\r\n\r\n\r\nGET /?b=%222%22 HTTP/1.1\r\n";
        assert_eq!(rewrite(headers), want);
    }

    #[test]
    fn a_split_read_at_any_byte_gives_the_same_bytes() {
        let input = pipelined(NEXT);
        let whole = rewrite(&input);
        for i in 0..=input.len() {
            let (out, _) = feed_all(&[&input[..i], &input[i..]]);
            assert_eq!(out, whole, "split at {i}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(feed_all(&bytes).0, whole);
    }

    #[test]
    fn what_cannot_be_framed_passes_through_for_the_rest_of_the_connection() {
        // The chunk holds what would read as a header, an empty line and a request line.
        let chunked = b"POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\
1e\r\nX: 1\r\n\r\nGET /?a=\"b\" HTTP/1.1\r\n\r\n0\r\n\r\n";
        for head in [
            &chunked[..],
            b"POST /u HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\n\"",
            b"POST /u HTTP/1.1\r\nContent-Length: +1\r\n\r\n\"",
            b"GET /u HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
            b"CONNECT h:443 HTTP/1.1\r\n\r\n",
            b"GET /u HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
        ] {
            let input = [head, ENTRA].concat();
            let (out, r) = feed_all(&[&input]);
            assert!(r.is_passing_through());
            assert_eq!(out, input, "{}", String::from_utf8_lossy(head));
        }
        let zero = [&b"POST /u HTTP/1.1\r\nContent-Length: 0\r\n\r\n"[..], ENTRA].concat();
        assert!(rewrite(&zero).ends_with(ENCODED));
    }

    #[test]
    fn a_line_over_the_cap_passes_through_unchanged() {
        let mut long = b"GET /?q=\"".to_vec();
        long.resize(MAX_LINE - 11, b'a');
        long.extend_from_slice(b"\" HTTP/1.1\r\n");
        assert_eq!(long.len(), MAX_LINE + 1);
        let input = [&long[..], b"Host: h\r\n\r\n", ENTRA].concat();
        let (out, r) = feed_all(&input.chunks(1000).collect::<Vec<_>>());
        assert_eq!(out, input);
        assert!(r.is_passing_through());
        // One byte shorter is still rewritten.
        let fits = [&long[..9], &long[10..]].concat();
        assert_eq!(rewrite(&fits)[..12].to_vec(), b"GET /?q=%22a".to_vec());
    }

    /// Hands out one byte per poll, answering `Pending` in between.
    struct Trickle(Vec<u8>, usize, bool);

    impl AsyncRead for Trickle {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            this.2 = !this.2;
            if this.2 {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if let Some(&b) = this.0.get(this.1) {
                buf.put_slice(&[b]);
                this.1 += 1;
            }
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn the_stream_adapter_reads_the_rewritten_bytes() -> io::Result<()> {
        let input = pipelined(NEXT);
        let mut io = RewriteTargets::new(Trickle(input.clone(), 0, false));
        let mut out = Vec::new();
        io.read_to_end(&mut out).await?;
        assert_eq!(out, rewrite(&input));
        Ok(())
    }
}
