{{- define "portal.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of cluster-scoped objects: unique per release namespace and release. */}}
{{- define "portal.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "portal.fullname" .) -}}
{{- end -}}

{{- define "portal.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "portal.labels" -}}
{{ include "portal.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: stores-for-backstage
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
backstage.io/kubernetes-id: {{ include "portal.fullname" . }}
{{- end -}}

{{- define "portal.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "portal.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "portal.host" -}}
{{- default (printf "portal.%s" .Values.ingress.baseDomain) .Values.ingress.host -}}
{{- end -}}

{{- define "portal.url" -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) (include "portal.host" .) -}}
{{- end -}}

{{/* The Secret with the PostgreSQL connection. */}}
{{- define "portal.dbSecret" -}}
{{- if .Values.postgresql.enabled -}}
{{- printf "%s-postgresql" (include "portal.fullname" .) -}}
{{- else -}}
{{- required "database.existingSecret is required when postgresql.enabled is false: a Secret with POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER and POSTGRES_PASSWORD" .Values.database.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "portal.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
runAsNonRoot: true
readOnlyRootFilesystem: {{ . }}
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "portal.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The Kubernetes plugin's read-only ServiceAccount. */}}
{{- define "portal.viewerName" -}}
{{- printf "%s-kubernetes-viewer" (include "portal.fullname" .) -}}
{{- end -}}

{{/* Base domain of the stores: <store>.<this>. */}}
{{- define "portal.storesBaseDomain" -}}
{{- default .Values.ingress.baseDomain .Values.stores.baseDomain -}}
{{- end -}}

{{/* The Secret with the OpenID Connect client secret. */}}
{{- define "portal.oidcSecret" -}}
{{- default (printf "%s-oidc" (include "portal.fullname" .)) .Values.auth.oidc.clientSecret.existingSecret -}}
{{- end -}}

{{/* The Secret with the auth backend's session secret: the operator's or the generated one. */}}
{{- define "portal.sessionSecret" -}}
{{- default (printf "%s-auth" (include "portal.fullname" .)) .Values.auth.session.existingSecret -}}
{{- end -}}

{{/* The OpenID Connect redirect URI to register at the identity provider. */}}
{{- define "portal.oidcRedirectUri" -}}
{{- printf "%s/api/auth/oidc/handler/frame" (include "portal.url" .) -}}
{{- end -}}
