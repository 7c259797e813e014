// A small JSON reader/writer for the framesync JSON protocol (contract §9), so the client
// needs no package: objects → Dictionary<string, object>, arrays → List<object>, numbers →
// double, plus string, bool and null. Unity's JsonUtility cannot read the state's
// players map (keys are session ids), hence this file. Json.NET works as well.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FrameSync
{
    public static class MiniJson
    {
        public static object Parse(string text)
        {
            var reader = new Reader(text);
            reader.SkipSpace();
            var value = reader.ReadValue(0);
            reader.SkipSpace();
            if (!reader.AtEnd) throw new FormatException("trailing characters after the JSON value");
            return value;
        }

        public static string Serialize(object value)
        {
            var sb = new StringBuilder();
            Write(sb, value);
            return sb.ToString();
        }

        static void Write(StringBuilder sb, object value)
        {
            if (value == null) { sb.Append("null"); return; }
            if (value is string s) { WriteString(sb, s); return; }
            if (value is bool b) { sb.Append(b ? "true" : "false"); return; }
            if (value is IDictionary dict)
            {
                sb.Append('{');
                var first = true;
                foreach (DictionaryEntry entry in dict)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, entry.Key.ToString());
                    sb.Append(':');
                    Write(sb, entry.Value);
                }
                sb.Append('}');
                return;
            }
            if (value is IList list)
            {
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Write(sb, list[i]);
                }
                sb.Append(']');
                return;
            }
            if (value is double d) { sb.Append(d.ToString("R", CultureInfo.InvariantCulture)); return; }
            if (value is float f) { sb.Append(((double)f).ToString("R", CultureInfo.InvariantCulture)); return; }
            if (value is IConvertible c) { sb.Append(c.ToString(CultureInfo.InvariantCulture)); return; }
            WriteString(sb, value.ToString());
        }

        static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (var ch in s)
            {
                switch (ch)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (ch < 0x20) sb.Append("\\u").Append(((int)ch).ToString("x4"));
                        else sb.Append(ch);
                        break;
                }
            }
            sb.Append('"');
        }

        /// <summary>Deep equality of parsed JSON values (what a resync is compared with).</summary>
        public static bool Same(object a, object b)
        {
            if (a == null || b == null) return a == null && b == null;
            if (a is Dictionary<string, object> da && b is Dictionary<string, object> db)
            {
                if (da.Count != db.Count) return false;
                foreach (var kv in da)
                    if (!db.TryGetValue(kv.Key, out var other) || !Same(kv.Value, other)) return false;
                return true;
            }
            if (a is List<object> la && b is List<object> lb)
            {
                if (la.Count != lb.Count) return false;
                for (var i = 0; i < la.Count; i++) if (!Same(la[i], lb[i])) return false;
                return true;
            }
            return a.Equals(b);
        }

        /// <summary>RFC 7396: null removes a key, an object merges, anything else replaces. Returns the new value.</summary>
        public static object ApplyMergePatch(object target, object patch)
        {
            if (!(patch is Dictionary<string, object> p)) return patch;
            var result = target is Dictionary<string, object> t ? new Dictionary<string, object>(t) : new Dictionary<string, object>();
            foreach (var kv in p)
            {
                if (kv.Value == null) result.Remove(kv.Key);
                else
                {
                    result.TryGetValue(kv.Key, out var current);
                    result[kv.Key] = ApplyMergePatch(current, kv.Value);
                }
            }
            return result;
        }

        class Reader
        {
            const int MaxDepth = 64;
            readonly string s;
            int i;
            public Reader(string text) { s = text; }
            public bool AtEnd => i >= s.Length;

            public void SkipSpace() { while (i < s.Length && char.IsWhiteSpace(s[i])) i++; }

            public object ReadValue(int depth)
            {
                if (depth > MaxDepth) throw new FormatException("JSON nested too deep");
                SkipSpace();
                if (AtEnd) throw new FormatException("unexpected end of JSON");
                var ch = s[i];
                if (ch == '{') return ReadObject(depth);
                if (ch == '[') return ReadArray(depth);
                if (ch == '"') return ReadString();
                if (Match("true")) return true;
                if (Match("false")) return false;
                if (Match("null")) return null;
                return ReadNumber();
            }

            bool Match(string word)
            {
                if (string.CompareOrdinal(s, i, word, 0, word.Length) != 0) return false;
                i += word.Length;
                return true;
            }

            Dictionary<string, object> ReadObject(int depth)
            {
                var obj = new Dictionary<string, object>();
                i++;
                SkipSpace();
                if (s[i] == '}') { i++; return obj; }
                for (;;)
                {
                    SkipSpace();
                    var key = ReadString();
                    SkipSpace();
                    if (s[i++] != ':') throw new FormatException("expected ':'");
                    obj[key] = ReadValue(depth + 1);
                    SkipSpace();
                    var next = s[i++];
                    if (next == '}') return obj;
                    if (next != ',') throw new FormatException("expected ',' or '}'");
                }
            }

            List<object> ReadArray(int depth)
            {
                var list = new List<object>();
                i++;
                SkipSpace();
                if (s[i] == ']') { i++; return list; }
                for (;;)
                {
                    list.Add(ReadValue(depth + 1));
                    SkipSpace();
                    var next = s[i++];
                    if (next == ']') return list;
                    if (next != ',') throw new FormatException("expected ',' or ']'");
                }
            }

            string ReadString()
            {
                if (s[i] != '"') throw new FormatException("expected a string");
                i++;
                var sb = new StringBuilder();
                while (s[i] != '"')
                {
                    var ch = s[i++];
                    if (ch != '\\') { sb.Append(ch); continue; }
                    var esc = s[i++];
                    switch (esc)
                    {
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'u': sb.Append((char)Convert.ToInt32(s.Substring(i, 4), 16)); i += 4; break;
                        default: sb.Append(esc); break;
                    }
                }
                i++;
                return sb.ToString();
            }

            double ReadNumber()
            {
                var start = i;
                while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
                if (start == i) throw new FormatException("unexpected character '" + s[i] + "'");
                return double.Parse(s.Substring(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }
    }
}
