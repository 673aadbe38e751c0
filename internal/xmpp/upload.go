package xmpp

import (
	"errors"
	"strconv"
	"strings"

	"hermod/internal/domain/storage"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// nsUpload is HTTP file upload (XEP-0363).
const nsUpload = "urn:xmpp:http:upload:0"

// The upload service is a component address of its own
// (xmpp.upload_domain, upload.<domain> by default), listed in the
// server's disco#items, as clients look for it there. It hands out slots
// on the file store (internal/domain/storage, slot.go), whose listener
// takes the PUT and serves the GET; it exists only when the file store
// does.

// uploadEnabled reports whether the upload service exists.
func (s *Server) uploadEnabled() bool { return s.svc.Storage != nil }

// isUpload reports whether to addresses the upload service.
func (s *Server) isUpload(to string) bool {
	if !s.uploadEnabled() || to == "" {
		return false
	}
	j, err := jid.Parse(to)
	return err == nil && j.Local == "" && strings.EqualFold(j.Domain, s.opts.UploadDomain)
}

// handleUpload answers a stanza to the upload service: disco and slot
// requests; other IQs are not served and other stanzas go nowhere.
func (s *session) handleUpload(el *xmlstream.Element) {
	if el.Local == "message" && el.Attr("type") != "error" {
		s.send(stanzaError(el, errServiceUnavailable("the upload service takes no messages")))
	}
	if el.Local != "iq" || (el.Attr("type") != "get" && el.Attr("type") != "set") {
		return
	}
	p := el.FirstElement()
	var out *xmlstream.Element
	var err error
	switch {
	case len(el.Elements()) != 1:
		err = errBadRequest("an IQ get or set has exactly one child")
	case el.Attr("type") != "get":
		err = errBadRequest("")
	case p.Is(nsDiscoInfo, "query") && p.Attr("node") == "":
		out = s.srv.uploadInfo()
	case p.Is(nsDiscoItems, "query") && p.Attr("node") == "":
		out = xmlstream.New(nsDiscoItems, "query")
	case p.Is(nsDiscoInfo, "query") || p.Is(nsDiscoItems, "query"):
		err = errItemNotFound("no such node")
	case p.Is(nsUpload, "request"):
		out, err = s.uploadSlot(p)
	default:
		err = errServiceUnavailable("")
	}
	if err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
		return
	}
	s.send(result(el, out))
}

// uploadInfo is the service's disco#info, with the size limit in the
// form of XEP-0363 section 3 (XEP-0128).
func (s *Server) uploadInfo() *xmlstream.Element {
	form := xmlstream.New(nsDataForms, "x", "type", "result").
		Add(field("FORM_TYPE", "hidden", nsUpload)).
		Add(field("max-file-size", "text-single", strconv.FormatInt(s.svc.Storage.MaxFileBytes(), 10)))
	return xmlstream.New(nsDiscoInfo, "query").
		Add(xmlstream.New(nsDiscoInfo, "identity", "category", "store", "type", "file", "name", "HTTP File Upload")).
		Add(xmlstream.New(nsDiscoInfo, "feature", "var", nsDiscoInfo)).
		Add(xmlstream.New(nsDiscoInfo, "feature", "var", nsUpload)).
		Add(form)
}

// uploadSlot answers a slot request (XEP-0363 section 4).
func (s *session) uploadSlot(req *xmlstream.Element) (*xmlstream.Element, error) {
	size, err := strconv.ParseInt(strings.TrimSpace(req.Attr("size")), 10, 64)
	if err != nil {
		return nil, errBadRequest("the size is a number of bytes")
	}
	slot, err := s.srv.svc.Storage.UploadSlot(s.ctx(), s.requester(), req.Attr("filename"), size, req.Attr("content-type"))
	var tooLarge *storage.FileTooLarge
	if errors.As(err, &tooLarge) {
		max := strconv.FormatInt(tooLarge.Max, 10)
		return nil, &stanzaErr{"modify", "not-acceptable", "the file is too large: at most " + max + " bytes",
			xmlstream.New(nsUpload, "file-too-large").Add(xmlstream.New(nsUpload, "max-file-size").AddText(max))}
	}
	if err != nil {
		return nil, err
	}
	return xmlstream.New(nsUpload, "slot").
		Add(xmlstream.New(nsUpload, "put", "url", slot.PutURL)).
		Add(xmlstream.New(nsUpload, "get", "url", slot.GetURL)), nil
}
